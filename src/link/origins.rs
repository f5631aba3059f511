//! Origins: the library call that built a value, and the texts its arguments hold.
//!
//! An API client is often built in a helper (`createApiClient(url, token)` returning
//! `createClient({ baseUrl: url })`) and used elsewhere (`client.GET("/v1/projects")`). What
//! the call does depends on where the client points, which is an argument of the call that
//! built it, as the helper's callers pass it. Starting from the receiver, [`Project::
//! constructed_text`] follows bindings and the `return`s of helpers in the tree to the
//! library call that built it, keeping for each helper the call that entered it, then reads
//! the argument as text there: a literal, a constant, a parameter as that call passes it, or
//! the literal fallback of `url ?? "https://..."`. It evaluates nothing else and never
//! guesses: what it cannot follow gives `None`.

use std::sync::Arc;

use super::{MAX_DEPTH, Project, Sym};
use crate::catalog::ArgSpec;
use crate::facts::{CallExpr, Expr};

/// Where an expression is read: a file and function, and the calls that entered the helpers
/// on the way (innermost last), which give their parameters.
#[derive(Clone)]
struct Place {
    file: usize,
    scope: Option<usize>,
    at: usize,
    frames: Vec<Frame>,
}

#[derive(Clone)]
struct Frame {
    /// The helper entered.
    file: usize,
    func: usize,
    /// The call that entered it, and where that call is.
    call: Arc<CallExpr>,
    caller: Box<Place>,
}

impl Project {
    /// The text of the argument `spec` names (a key of an options object too: `{ baseUrl }`)
    /// in the library call that built `receiver`, when it is known.
    pub fn constructed_text(
        &self,
        file: usize,
        scope: Option<usize>,
        receiver: &Expr,
        at: usize,
        spec: &ArgSpec,
    ) -> Option<String> {
        let place = Place {
            file,
            scope,
            at,
            frames: Vec::new(),
        };
        let (place, call) = self.origin(place, receiver, 0)?;
        let arg = match spec.position.and_then(|p| call.positional(p)) {
            // An options object: the key is looked up inside it.
            Some(Expr::Dict(pairs)) => pairs.iter().find_map(|(k, v)| {
                let key = k.as_str()?;
                spec.keyword.iter().any(|w| w == key).then_some(v)
            }),
            Some(other) => Some(other),
            None => spec.keyword.iter().find_map(|w| call.keyword(w)),
        }?;
        self.text_at(&place, arg, 0)
    }

    /// The library call `expr` comes from, and the place its arguments are read in.
    fn origin(&self, place: Place, expr: &Expr, depth: usize) -> Option<(Place, Arc<CallExpr>)> {
        if depth > MAX_DEPTH {
            return None;
        }
        match expr {
            Expr::Name(name) => {
                if let Some((caller, arg)) = self.parameter(&place, name) {
                    return self.origin(caller, &arg, depth + 1);
                }
                let (file, scope, value) = self.bound_value(place.file, place.scope, name, 0)?;
                let at = usize::MAX;
                let frames = if file == place.file {
                    place.frames
                } else {
                    Vec::new()
                };
                let moved = Place {
                    file,
                    scope,
                    at,
                    frames,
                };
                self.origin(moved, &value, depth + 1)
            }
            Expr::Choice(options) => options
                .iter()
                .find_map(|o| self.origin(place.clone(), o, depth + 1)),
            Expr::Call(call) => {
                match self.resolve_expr(place.file, place.scope, &call.callee, place.at, 0) {
                    Sym::External(_) => Some((place, call.clone())),
                    Sym::Function { file, func } => {
                        let frame = Frame {
                            file,
                            func,
                            call: call.clone(),
                            caller: Box::new(place.clone()),
                        };
                        let mut frames = place.frames;
                        frames.push(frame);
                        self.files[file]
                            .returns
                            .iter()
                            .filter(|r| r.scope == Some(func))
                            .find_map(|r| {
                                let inner = Place {
                                    file,
                                    scope: Some(func),
                                    at: r.span.start_byte,
                                    frames: frames.clone(),
                                };
                                self.origin(inner, &r.value, depth + 1)
                            })
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The text `expr` holds at `place`.
    fn text_at(&self, place: &Place, expr: &Expr, depth: usize) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        match expr {
            Expr::Str(s) => Some(s.to_string()),
            // `url ?? "https://api.example.com"`: the value the code falls back to.
            Expr::Choice(options) => options
                .iter()
                .find_map(|o| self.text_at(place, o, depth + 1)),
            Expr::Name(name) => {
                if let Some((caller, arg)) = self.parameter(place, name) {
                    return self.text_at(&caller, &arg, depth + 1);
                }
                let (file, scope, value) = self.bound_value(place.file, place.scope, name, 0)?;
                let moved = Place {
                    file,
                    scope,
                    at: usize::MAX,
                    frames: if file == place.file {
                        place.frames.clone()
                    } else {
                        Vec::new()
                    },
                };
                self.text_at(&moved, &value, depth + 1)
            }
            other => self.literal_str(place.file, place.scope, other),
        }
    }

    /// When `name` is a parameter of the innermost helper entered at `place` (and no local
    /// shadows it), the place of the call that entered it and the argument it passes.
    fn parameter(&self, place: &Place, name: &str) -> Option<(Place, Expr)> {
        let frame = place.frames.last()?;
        if place.file != frame.file {
            return None;
        }
        // The name must be read in the helper or a closure inside it.
        let facts = &self.files[frame.file];
        let mut current = place.scope;
        while let Some(f) = current {
            if f == frame.func {
                break;
            }
            current = facts.functions[f].parent;
        }
        current?;
        let function = &facts.functions[frame.func];
        let index = function.params.iter().position(|p| p.name == name)?;
        let position = index.checked_sub(usize::from(function.takes_receiver()))?;
        let arg = frame
            .call
            .keyword(name)
            .or_else(|| frame.call.positional(position))
            .or(function.params[index].default.as_ref())?
            .clone();
        let mut caller = (*frame.caller).clone();
        // A default is read in the helper itself.
        if frame.call.keyword(name).is_none() && frame.call.positional(position).is_none() {
            caller = Place {
                frames: place.frames[..place.frames.len() - 1].to_vec(),
                ..place.clone()
            };
        }
        Some((caller, arg))
    }
}
