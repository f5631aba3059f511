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

        /// `K` by node kind id, for a lookup per node. With `named_only`, an anonymous node
        /// (a keyword or punctuation) that shares a name with a named kind stays `Other`.
        fn kind_table(language: &tree_sitter::Language, named_only: bool) -> Vec<K> {
            (0..language.node_kind_count())
                .map(|id| {
                    let Ok(id) = u16::try_from(id) else {
                        return K::Other;
                    };
                    if named_only && !language.node_kind_is_named(id) {
                        return K::Other;
                    }
                    let name = language.node_kind_for_id(id);
                    KIND_NAMES
                        .iter()
                        .find(|(_, n)| Some(*n) == name)
                        .map_or(K::Other, |(k, _)| *k)
                })
                .collect()
        }
    };
}
pub(crate) use kinds;

/// Declares `Fields`: the id of each field a front end reads, looked up once.
macro_rules! fields {
    ($($field:ident = $name:literal,)*) => {
        /// Field ids by name; 0 (no child has it) when the grammar lacks the field.
        struct Fields {
            $($field: u16,)*
        }

        impl Fields {
            fn new(language: &tree_sitter::Language) -> Self {
                Fields {
                    $($field: language
                        .field_id_for_name($name)
                        .map_or(0, std::num::NonZeroU16::get),)*
                }
            }
        }

        /// The field names, for a test that the grammar has each.
        #[cfg(test)]
        #[allow(dead_code)]
        const FIELD_NAMES: &[&str] = &[$($name,)*];
    };
}
pub(crate) use fields;

/// The line of the first syntax error (an error or missing node) under `root`.
pub fn first_error_line(root: Node) -> u32 {
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if node.is_error() || node.is_missing() {
            return line(node);
        }
        // Descend only into subtrees that contain an error.
        if node.has_error() && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return line(root);
            }
        }
    }
}

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
            next.map(line)
        } else {
            Some(line(comment))
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
