//! API paths and the patterns that match them.
//!
//! The linker resolves what a call refers to into an [`ApiPath`]: `r.post(...)` after
//! `import requests as r` becomes `requests.post`; `s3.delete_object()` after
//! `s3 = boto3.client("s3")` becomes `boto3.client(s3).delete_object`. Catalog rules are written
//! as [`Pattern`]s over the same shape:
//!
//! - segments are separated by `.`; each segment is a glob (`delete_*`, `langchain*`);
//! - `name()` matches a call of `name` with any arguments, `name(s3)` one whose first string
//!   argument is `s3` (a glob too), `name[]` a subscript;
//! - `**` matches any number of segments, including none.

use std::fmt;

/// One step of a resolved path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    Name(String),
    /// A call; carries the first argument when it is a string literal.
    Call(Option<String>),
    Index,
}

/// A resolved reference to something outside the scanned code: `requests.Session().post`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ApiPath(pub Vec<Step>);

impl ApiPath {
    pub fn from_dotted(dotted: &str) -> Self {
        ApiPath(
            dotted
                .split('.')
                .filter(|s| !s.is_empty())
                .map(|s| Step::Name(s.to_string()))
                .collect(),
        )
    }

    pub fn with(&self, step: Step) -> Self {
        let mut steps = self.0.clone();
        steps.push(step);
        ApiPath(steps)
    }

    pub fn last_name(&self) -> Option<&str> {
        self.0.iter().rev().find_map(|s| match s {
            Step::Name(n) => Some(n.as_str()),
            _ => None,
        })
    }

    /// The path without a trailing call, for matching a decorator written as `@x()` like `@x`.
    pub fn without_trailing_call(&self) -> ApiPath {
        let mut steps = self.0.clone();
        if matches!(steps.last(), Some(Step::Call(_))) {
            steps.pop();
        }
        ApiPath(steps)
    }
}

impl fmt::Display for ApiPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for step in &self.0 {
            match step {
                Step::Name(n) => {
                    if !first {
                        f.write_str(".")?;
                    }
                    f.write_str(n)?;
                }
                Step::Call(Some(arg)) => write!(f, "({arg})")?,
                Step::Call(None) => f.write_str("()")?,
                Step::Index => f.write_str("[]")?,
            }
            first = false;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    AnySegments,
    Name(Glob),
    Call(Option<Glob>),
    Index,
}

/// A segment glob: `*` matches any run of characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob(String);

impl Glob {
    pub fn new(pattern: &str) -> Self {
        Glob(pattern.to_string())
    }

    pub fn matches(&self, text: &str) -> bool {
        glob_match(self.0.as_bytes(), text.as_bytes())
    }

    fn literal_len(&self) -> usize {
        self.0.chars().filter(|c| *c != '*').count()
    }
}

fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    // Iterative matcher with single-star backtracking: linear in practice.
    let (mut p, mut t) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while t < text.len() {
        if p < pattern.len() && pattern[p] != b'*' && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some(p);
            mark = t;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            t = mark;
        } else {
            return false;
        }
    }
    while p < pattern.len() && pattern[p] == b'*' {
        p += 1;
    }
    p == pattern.len()
}

/// A compiled catalog pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    source: String,
    tokens: Vec<Token>,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid pattern `{pattern}`: {reason}")]
pub struct PatternError {
    pub pattern: String,
    pub reason: String,
}

impl Pattern {
    pub fn parse(source: &str) -> Result<Self, PatternError> {
        let err = |reason: &str| PatternError {
            pattern: source.to_string(),
            reason: reason.to_string(),
        };
        if source.trim().is_empty() {
            return Err(err("empty"));
        }
        let mut tokens = Vec::new();
        for segment in split_segments(source) {
            let segment = segment.trim();
            if segment == "**" {
                tokens.push(Token::AnySegments);
                continue;
            }
            let (mut name, mut rest) = match segment.find(['(', '[']) {
                Some(i) => (&segment[..i], &segment[i..]),
                None => (segment, ""),
            };
            // `**()`: any segments, then a call.
            if name == "**" {
                tokens.push(Token::AnySegments);
                name = "";
            }
            if name.is_empty() && tokens.is_empty() && !rest.is_empty() {
                return Err(err("a pattern starts with a name"));
            }
            if !name.is_empty() {
                if name.contains(['(', ')', '[', ']', ' ']) {
                    return Err(err("unexpected character in a name"));
                }
                tokens.push(Token::Name(Glob(name.to_string())));
            }
            while !rest.is_empty() {
                if let Some(after) = rest.strip_prefix("[]") {
                    tokens.push(Token::Index);
                    rest = after;
                } else if rest.starts_with('(') {
                    let close = rest.find(')').ok_or_else(|| err("unclosed `(`"))?;
                    let inner = rest[1..close].trim().trim_matches(['"', '\'']);
                    tokens.push(Token::Call(if inner.is_empty() || inner == "*" {
                        None
                    } else {
                        Some(Glob(inner.to_string()))
                    }));
                    rest = &rest[close + 1..];
                } else {
                    return Err(err("expected `(...)` or `[]` after a name"));
                }
            }
        }
        Ok(Pattern {
            source: source.to_string(),
            tokens,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// How specific the pattern is: literal characters it requires. The most specific matching
    /// rule wins, so `boto3.client(dynamodb).delete_item` beats `boto3.client().delete_*`.
    pub fn specificity(&self) -> usize {
        self.tokens
            .iter()
            .map(|t| match t {
                Token::AnySegments => 0,
                Token::Name(g) => g.literal_len(),
                Token::Call(Some(g)) => g.literal_len() + 1,
                Token::Call(None) | Token::Index => 1,
            })
            .sum()
    }

    /// What the pattern starts from: its names up to the first call or subscript
    /// (`mcp.**.MCPServer` for `mcp.**.MCPServer().tool`), the thing a file imports to use it.
    pub fn entry(&self) -> Pattern {
        let tokens: Vec<Token> = self
            .tokens
            .iter()
            .take_while(|t| matches!(t, Token::AnySegments | Token::Name(_)))
            .cloned()
            .collect();
        let source = self
            .source
            .split(['(', '['])
            .next()
            .unwrap_or(&self.source)
            .to_string();
        Pattern { source, tokens }
    }

    /// The literal last name the pattern requires, if any: lets callers skip resolution of
    /// calls that cannot match.
    pub fn required_last_name(&self) -> Option<&str> {
        match self
            .tokens
            .iter()
            .rev()
            .find(|t| !matches!(t, Token::Call(_)))
        {
            Some(Token::Name(g)) if !g.0.contains('*') => Some(&g.0),
            _ => None,
        }
    }

    /// The glob the pattern's last name must match (`bash_*`), when it ends in a name.
    pub fn last_name_glob(&self) -> Option<&Glob> {
        match self
            .tokens
            .iter()
            .rev()
            .find(|t| !matches!(t, Token::Call(_)))
        {
            Some(Token::Name(g)) => Some(g),
            _ => None,
        }
    }

    pub fn matches(&self, path: &ApiPath) -> bool {
        match_tokens(&self.tokens, &path.0)
    }
}

fn split_segments(source: &str) -> Vec<&str> {
    // Split on `.` outside parentheses (a call argument may contain dots).
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in source.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => {
                out.push(&source[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&source[start..]);
    out
}

fn match_tokens(tokens: &[Token], steps: &[Step]) -> bool {
    let Some((first, rest)) = tokens.split_first() else {
        return steps.is_empty();
    };
    match first {
        Token::AnySegments => (0..=steps.len()).any(|skip| match_tokens(rest, &steps[skip..])),
        _ => match steps.split_first() {
            Some((step, steps_rest)) => {
                token_matches(first, step) && match_tokens(rest, steps_rest)
            }
            None => false,
        },
    }
}

fn token_matches(token: &Token, step: &Step) -> bool {
    match (token, step) {
        (Token::Name(g), Step::Name(n)) => g.matches(n),
        (Token::Call(None), Step::Call(_)) => true,
        (Token::Call(Some(g)), Step::Call(Some(arg))) => g.matches(arg),
        (Token::Index, Step::Index) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(steps: &[Step]) -> ApiPath {
        ApiPath(steps.to_vec())
    }

    fn n(s: &str) -> Step {
        Step::Name(s.into())
    }

    #[test]
    fn globs() {
        assert!(glob_match(b"delete_*", b"delete_object"));
        assert!(glob_match(b"*", b""));
        assert!(glob_match(b"lang*", b"langchain_core"));
        assert!(!glob_match(b"delete_*", b"get_object"));
        assert!(glob_match(b"a*b*c", b"aXbYbc"));
    }

    #[test]
    fn paths_and_patterns() {
        let s3 = path(&[
            n("boto3"),
            n("client"),
            Step::Call(Some("s3".into())),
            n("delete_object"),
        ]);
        assert_eq!(s3.to_string(), "boto3.client(s3).delete_object");
        assert!(
            Pattern::parse("boto3.**.client().delete_*")
                .unwrap()
                .matches(&s3)
        );
        assert!(
            Pattern::parse("boto3.client(s3).delete_*")
                .unwrap()
                .matches(&s3)
        );
        assert!(!Pattern::parse("boto3.client(ses).*").unwrap().matches(&s3));
        assert!(!Pattern::parse("boto3.delete_*").unwrap().matches(&s3));
        assert!(
            Pattern::parse("boto3.**().delete_object")
                .unwrap()
                .matches(&s3)
        );
        assert!(!Pattern::parse("boto3.**().client").unwrap().matches(&s3));
        let specific = Pattern::parse("boto3.client(s3).delete_*").unwrap();
        let general = Pattern::parse("boto3.**.client().delete_*").unwrap();
        assert!(specific.specificity() > general.specificity());
        assert_eq!(specific.required_last_name(), None);
        assert_eq!(
            Pattern::parse("requests.post")
                .unwrap()
                .required_last_name(),
            Some("post")
        );
    }

    #[test]
    fn bad_patterns_are_errors() {
        assert!(Pattern::parse("").is_err());
        assert!(Pattern::parse("a.b(").is_err());
        assert!(Pattern::parse("a.b)x").is_err());
    }
}
