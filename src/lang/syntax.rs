//! Tree-sitter helpers every front end uses.

use tree_sitter::Node;

use crate::facts::{Directive, Span};

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

/// What starts a comment addressed to agent-audit.
pub const DIRECTIVE_MARKER: &str = "agent-audit:";

/// The comments under `root` that hold [`DIRECTIVE_MARKER`] (in both grammars a comment is a
/// `comment` node), each with the code it applies to. A marker in a string is not a comment.
pub fn directives(root: Node, source: &str) -> Vec<Directive> {
    let mut out: Vec<Directive> = Vec::new();
    let mut from = 0;
    while let Some(found) = source[from..].find(DIRECTIVE_MARKER) {
        let at = from + found;
        from = at + DIRECTIVE_MARKER.len();
        let Some(comment) = root
            .descendant_for_byte_range(at, from)
            .filter(|n| n.kind() == "comment")
        else {
            continue;
        };
        let text = source[from..comment.end_byte()]
            .trim_end()
            .trim_end_matches("*/")
            .trim()
            .to_string();
        let line_start = source[..comment.start_byte()]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let own_line = source[line_start..comment.start_byte()].trim().is_empty();
        let target = if own_line {
            let mut next = comment.next_named_sibling();
            while let Some(node) = next.filter(|n| n.kind() == "comment") {
                next = node.next_named_sibling();
            }
            next.map(|n| (line(n), n.end_position().row as u32 + 1))
        } else {
            // The outermost node that starts on the comment's line: the decorated definition
            // for `@tool  # ...`, the function for `def f():  # ...`.
            let at_line = line(comment);
            let mut target = (at_line, at_line);
            let mut node = comment;
            while let Some(parent) = node
                .parent()
                .filter(|p| line(*p) == at_line && p.parent().is_some())
            {
                target = (at_line, parent.end_position().row as u32 + 1);
                node = parent;
            }
            Some(target)
        };
        out.push(Directive {
            line: line(comment),
            text,
            target,
        });
        // One directive per comment.
        from = from.max(comment.end_byte());
    }
    out
}
