//! Tree-sitter helpers every front end uses.

use tree_sitter::Node;

use crate::facts::Span;

/// Declares `K`, the node kinds a front end tells apart, with their grammar names
/// (`KIND_NAMES`), in the module that invokes it.
macro_rules! kinds {
    ($($kind:ident = $name:literal,)*) => {
        /// A node kind the front end looks at; everything else is `Other`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        enum K {
            Other,
            $($kind,)*
        }

        const KIND_NAMES: &[(K, &str)] = &[$((K::$kind, $name),)*];
    };
}
pub(crate) use kinds;

/// The lines and bytes `node` covers (lines from 1).
pub fn span(node: Node) -> Span {
    Span {
        start_line: node.start_position().row as u32 + 1,
        end_line: node.end_position().row as u32 + 1,
        start_byte: node.start_byte(),
        end_byte: node.end_byte(),
    }
}

/// The line `node` starts on (from 1).
pub fn line(node: Node) -> u32 {
    node.start_position().row as u32 + 1
}

/// From the start of `a` to the end of `b`.
pub fn join_spans(a: Span, b: Span) -> Span {
    Span {
        start_line: a.start_line,
        end_line: b.end_line,
        start_byte: a.start_byte,
        end_byte: b.end_byte,
    }
}
