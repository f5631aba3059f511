//! Implementations: the code behind a value typed by an interface.
//!
//! A parameter typed `ops: AccountOperations` holds whatever implements that interface: a
//! class that names it (or an interface extending it) in `implements`, an object literal
//! declared with it as its type (`const ops: AccountOperations = { ... }`), or one returned
//! by a function whose return type it is. A member of such a value (`ops.listProjects`) is
//! that member of the implementation when the implementations that define it agree on one;
//! when several differ, which one runs is decided at run time and the member stays unknown.
//!
//! The table is built once per project, on first use, from type names only (imports,
//! re-exports and the types of each module): building it evaluates no value, so no
//! resolution cached while it is built depends on it.

use super::{MAX_DEPTH, Name, Project, Sym, agreed};
use crate::facts::Expr;
use rustc_hash::FxHashMap as HashMap;

/// Something that implements an interface.
#[derive(Debug, Clone, Copy)]
pub(super) enum Implementation {
    Class {
        file: usize,
        class: usize,
    },
    /// An assignment whose value is the object literal.
    Assigned {
        file: usize,
        assignment: usize,
    },
    /// A `return` of an object literal from a function declared to return the interface.
    Returned {
        file: usize,
        ret: usize,
    },
}

type Table = HashMap<(usize, usize), Vec<Implementation>>;

impl Project {
    /// Member `name` of a value of interface `class`, as its implementations define it.
    pub(super) fn implemented_member(
        &self,
        file: usize,
        class: usize,
        name: &str,
        depth: usize,
    ) -> Sym {
        if depth > MAX_DEPTH {
            return Sym::Unknown;
        }
        let table = self
            .implementations
            .get_or_init(|| self.build_implementations());
        let Some(list) = table.get(&(file, class)) else {
            return Sym::Unknown;
        };
        agreed(list.iter().map(|implementation| match *implementation {
            Implementation::Class { file, class } => {
                self.member(Sym::Instance { file, class }, name, depth + 1)
            }
            Implementation::Assigned { file, assignment } => {
                let a = &self.files[file].assignments[assignment];
                self.literal_member(file, a.scope, &a.value, a.span.start_byte, name, depth)
            }
            Implementation::Returned { file, ret } => {
                let r = &self.files[file].returns[ret];
                self.literal_member(file, r.scope, &r.value, r.span.start_byte, name, depth)
            }
        }))
    }

    /// The value under key `name` of the object literal `value`.
    fn literal_member(
        &self,
        file: usize,
        scope: Option<usize>,
        value: &Expr,
        at: usize,
        name: &str,
        depth: usize,
    ) -> Sym {
        let Expr::Dict(pairs) = value else {
            return Sym::Unknown;
        };
        match pairs.iter().find(|(k, _)| k.as_str() == Some(name)) {
            Some((_, v)) => self.resolve_expr(file, scope, v, at, depth + 1),
            None => Sym::Unknown,
        }
    }

    fn build_implementations(&self) -> Table {
        let mut table = Table::default();
        for (file, facts) in self.files.iter().enumerate() {
            // Each implementation counts for the interface it names and every interface that
            // one extends.
            let mut add = |iface: (usize, usize), implementation: Implementation| {
                for target in self.interface_ancestors(iface) {
                    table.entry(target).or_default().push(implementation);
                }
            };
            for (class, class_facts) in facts.classes.iter().enumerate() {
                if class_facts.interface {
                    continue;
                }
                for base in &class_facts.bases {
                    if let Some(iface) = self.type_target(file, base, 0) {
                        add(iface, Implementation::Class { file, class });
                    }
                }
            }
            for (assignment, a) in facts.assignments.iter().enumerate() {
                if let (Some(ty), Expr::Dict(_)) = (&a.annotation, &a.value)
                    && let Some(iface) = self.type_target(file, ty, 0)
                {
                    add(iface, Implementation::Assigned { file, assignment });
                }
            }
            for (ret, r) in facts.returns.iter().enumerate() {
                if let (Some(func), Expr::Dict(_)) = (r.scope, &r.value)
                    && let Some(ty) = &facts.functions[func].returns
                    && let Some(iface) = self.type_target(file, ty, 0)
                {
                    add(iface, Implementation::Returned { file, ret });
                }
            }
        }
        table
    }

    /// The interface and the interfaces it extends, nearest first.
    fn interface_ancestors(&self, iface: (usize, usize)) -> Vec<(usize, usize)> {
        let mut out = vec![iface];
        let mut next = 0;
        while next < out.len() && out.len() <= 64 {
            let (file, class) = out[next];
            next += 1;
            for base in &self.files[file].classes[class].bases {
                if let Some(parent) = self.type_target(file, base, 0)
                    && !out.contains(&parent)
                {
                    out.push(parent);
                }
            }
        }
        out
    }

    /// The interface of the tree a type written in `file` names (`Ops`, `types.Ops`,
    /// `Ops<T>`), found through imports and re-exports only.
    fn type_target(&self, file: usize, ty: &Expr, depth: usize) -> Option<(usize, usize)> {
        if depth > MAX_DEPTH {
            return None;
        }
        match ty {
            Expr::Name(name) => self.type_in_module(file, name, depth + 1),
            Expr::Subscript(base, _) => self.type_target(file, base, depth + 1),
            Expr::Attr(base, name) => {
                let Expr::Name(module) = &**base else {
                    return None;
                };
                let target = self.imported_as(file, module)?;
                let module = self.find_module(file, target)?;
                self.type_in_module(module, name, depth + 1)
            }
            _ => None,
        }
    }

    /// The interface `name` in module `file`: declared there, imported or re-exported.
    fn type_in_module(&self, file: usize, name: &str, depth: usize) -> Option<(usize, usize)> {
        if depth > MAX_DEPTH {
            return None;
        }
        let index = &self.index[file];
        if let Some(&class) = index.types.get(name) {
            return Some((file, class));
        }
        if let Some(target) = self.imported_as(file, name) {
            let (module, member) = target.rsplit_once('.')?;
            let module = self.find_module(file, module)?;
            return (module != file)
                .then(|| self.type_in_module(module, member, depth + 1))
                .flatten();
        }
        index.star_imports.iter().find_map(|star| {
            let module = self.find_module(file, star)?;
            (module != file)
                .then(|| self.type_in_module(module, name, depth + 1))
                .flatten()
        })
    }

    /// What a module-level import binds `local` to, when an import does.
    fn imported_as(&self, file: usize, local: &str) -> Option<&str> {
        let bindings = self.index[file].globals.get(&Name::from(local))?;
        bindings.iter().find_map(|b| match *b {
            super::Binding::Import(i) => Some(self.files[file].imports[i].target.as_str()),
            _ => None,
        })
    }
}
