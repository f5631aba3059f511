//! Collections: what an element of a list or array is.
//!
//! `handlers.find(...)`, `handlers.at(i)` and `handlers[0]` give one element of `handlers`: an
//! instance of the element type its declaration names (`handlers: Handler[]`,
//! `list[Handler]`; the collection types and element methods are catalog data), or, for a list
//! literal, what its items agree on (`[textHandler, codeHandler]`, each built by the same
//! factory). Items that differ leave the element unknown.

use super::{MAX_DEPTH, Project, Sym, agreed};
use crate::facts::Expr;

impl Project {
    /// What an element of the collection named by `expr` is, when its declaration or value
    /// says.
    pub(super) fn element_of(
        &self,
        file: usize,
        scope: Option<usize>,
        expr: &Expr,
        depth: usize,
    ) -> Option<Sym> {
        if depth > MAX_DEPTH {
            return None;
        }
        let Expr::Name(name) = expr else {
            return None;
        };
        // A parameter declared as a collection.
        if let Some(ty) = self.param_annotation(file, scope, name) {
            return self.collection_element(file, scope, ty, depth);
        }
        let (file, a) = self.assignment_of(file, scope, name)?;
        let assignment = &self.files[file].assignments[a];
        if let Some(ty) = &assignment.annotation
            && let Some(sym) = self.collection_element(file, assignment.scope, ty, depth)
        {
            return Some(sym);
        }
        let Expr::List(items) = &assignment.value else {
            return None;
        };
        let at = assignment.span.start_byte;
        let sym = agreed(
            items
                .iter()
                .map(|item| self.resolve_expr(file, assignment.scope, item, at, depth + 1)),
        );
        (sym != Sym::Unknown).then_some(sym)
    }

    /// An instance of the element type of the collection type `ty` (`Array<Handler>`).
    fn collection_element(
        &self,
        file: usize,
        scope: Option<usize>,
        ty: &Expr,
        depth: usize,
    ) -> Option<Sym> {
        let Expr::Subscript(base, args) = ty else {
            return None;
        };
        let name = base.last_name()?;
        if !self.type_rules(file)?.collections.iter().any(|c| c == name) {
            return None;
        }
        let sym = self.instance_of(file, scope, args.first()?, depth + 1);
        (sym != Sym::Unknown).then_some(sym)
    }
}
