//! What a dispatcher does when it has no branch per name (SPEC §2, "dispatch helpers ... and
//! data-driven tool tables"): it hands the name to a helper that branches (`return await
//! handle_tool(name, args)`, in another file too), or looks the name up in a table
//! (`HANDLERS[name](**args)`, `const tool = tools[name]; tool.execute(args)`). A table written
//! as a literal gives one tool per key, at the function of its row. When the names cannot be
//! resolved the dispatcher is still one tool, at its handler, with a note: never dropped.
//!
//! Reads linked facts; hands detected tools and notes back to [`super::dispatched`].

use crate::facts::{Expr, FileFacts};
use crate::link::{Project, Sym};

use super::{comes_from, root_name};

/// How deep a name is followed through helpers that receive it.
pub(super) const MAX_DELEGATION: usize = 3;

/// A call in `func` that passes the name on to a function of the tree, and the position (without
/// the receiver) of the parameter that receives it there.
pub(super) fn delegate(
    project: &Project,
    file: usize,
    func: usize,
    subject: &str,
) -> Option<(usize, usize, usize)> {
    let facts = &project.files[file];
    facts
        .calls
        .iter()
        .filter(|c| c.scope == Some(func))
        .find_map(|c| {
            let position = c
                .call
                .args
                .iter()
                .filter(|a| a.name.is_none() && !a.spread)
                .position(|a| names_subject(facts, func, &a.value, subject))?;
            // A bound method's receiver is not among the positional arguments, so the
            // position counts parameters without the receiver on both sides.
            match project.resolve(file, c.scope, &c.call.callee, c.span.start_byte) {
                Sym::Function { file: f, func: g } if (f, g) != (file, func) => {
                    Some((f, g, position))
                }
                _ => None,
            }
        })
}

/// The table the name is looked up in: `TABLE[name](...)`, or a local taken from
/// `TABLE[name]` that is then called or has a method called on it.
pub(super) fn lookup_table<'f>(
    facts: &'f FileFacts,
    func: usize,
    subject: &str,
) -> Option<&'f Expr> {
    let indexed = |e: &'f Expr| -> Option<&'f Expr> {
        match e {
            Expr::Subscript(base, index)
                if index
                    .first()
                    .is_some_and(|i| names_subject(facts, func, i, subject)) =>
            {
                Some(base.as_ref())
            }
            _ => None,
        }
    };
    for call in facts.calls.iter().filter(|c| c.scope == Some(func)) {
        let callee = &call.call.callee;
        if let Some(table) = indexed(callee) {
            return Some(table);
        }
        if let Some(root) = root_name(callee)
            && let Some(table) = facts
                .assignments
                .iter()
                .filter(|a| {
                    a.scope == Some(func) && matches!(&a.target, Expr::Name(n) if n == root)
                })
                .find_map(|a| indexed(&a.value))
        {
            return Some(table);
        }
    }
    None
}

/// The rows of a literal table: key and the function its value is.
pub(super) fn table_rows(
    project: &Project,
    file: usize,
    scope: Option<usize>,
    table: &Expr,
    at: usize,
) -> Vec<(String, usize, usize)> {
    let value = match table {
        Expr::Dict(_) => Some(table.clone()),
        Expr::Name(_) => project.value_of(file, scope, table, at).or_else(|| {
            let Expr::Name(name) = table else { return None };
            project
                .assignment_of(file, None, name)
                .map(|(f, a)| project.files[f].assignments[a].value.clone())
        }),
        _ => None,
    };
    let Some(Expr::Dict(pairs)) = value else {
        return Vec::new();
    };
    pairs
        .iter()
        .filter_map(|(k, v)| {
            let Expr::Str(key) = k else { return None };
            match project.resolve(file, scope, v, at) {
                Sym::Function { file: f, func } => Some((key.to_string(), f, func)),
                _ => None,
            }
        })
        .collect()
}

/// Whether `expr` is the name the dispatcher branches on (the parameter, its name field, or a
/// local taken from it).
fn names_subject(facts: &FileFacts, func: usize, expr: &Expr, subject: &str) -> bool {
    match expr {
        Expr::Name(_) | Expr::Attr(..) | Expr::Subscript(..) => {
            comes_from(facts, func, &expr.display(), subject)
        }
        _ => false,
    }
}
