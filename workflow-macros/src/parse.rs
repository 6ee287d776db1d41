//! Tokens -> syntax. Tolerant: the entries of every `{ }` and the items of every `[ ]` are
//! split at their top-level commas and parsed one by one, so a malformed entry costs one
//! error and the rest of the workflow is still parsed and checked.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Ident, Lit, LitStr, Token, Type, Visibility};

use crate::spans::Range;

/// The whole `workflow!` input: `/// docs  pub Name { field: value, ... }`.
pub struct Workflow {
    pub docs: Vec<String>,
    pub vis: Visibility,
    pub name: Ident,
    /// The top-level fields except `handlers`.
    pub entries: Vec<Entry>,
    /// The `handlers: { ... }` declarations.
    pub handlers: Vec<Handler>,
    /// The identifiers of the handler declarations that failed to parse: a `resource`
    /// naming one of them is not also reported as undeclared.
    pub lost_handlers: Vec<String>,
    /// The identifiers of the top-level entries that failed to parse entirely.
    pub lost: Vec<String>,
}

/// `key: value`, with the doc comments written above it.
pub struct Entry {
    pub docs: Vec<String>,
    pub key: Key,
    pub value: Node,
}

/// A field name (`start_at`) or a state name (`Wait1`, `"Odd name"`).
pub enum Key {
    Ident(Ident),
    Str(LitStr),
}

impl Key {
    pub fn text(&self) -> String {
        match self {
            Key::Ident(i) => i.unraw().to_string(),
            Key::Str(s) => s.value(),
        }
    }

    pub fn range(&self) -> Range {
        match self {
            Key::Ident(i) => Range::single(i.span()),
            Key::Str(s) => Range::single(s.span()),
        }
    }
}

/// A value, written like `serde_json::json!`, plus bare names (`Wait1`,
/// `States.TaskFailed`) and typed objects (`Task { ... }`).
pub enum Node {
    Str(LitStr),
    Number {
        minus: Option<Span>,
        lit: Lit,
    },
    Bool(syn::LitBool),
    Null(Ident),
    /// `Wait1`, `send_message`, `States.TaskFailed`: one or more dotted identifiers.
    Name(Vec<Ident>),
    Array {
        span: Span,
        items: Vec<Node>,
    },
    /// `{ ... }`. `lost` holds the identifiers of the entries that failed to parse
    /// entirely (not even their key): what they would have said is unknown.
    Object {
        span: Span,
        entries: Vec<Entry>,
        lost: Vec<String>,
    },
    /// `Task { ... }`: an object whose `Type` is the identifier.
    Typed {
        ty: Ident,
        span: Span,
        entries: Vec<Entry>,
        lost: Vec<String>,
    },
    /// A value that failed to parse (the error is already reported), with the identifiers
    /// it holds. Its entry is kept, so that a state with a broken value still gets its
    /// enum variant.
    Invalid(Span, Vec<String>),
}

impl Node {
    pub fn range(&self) -> Range {
        match self {
            Node::Str(s) => Range::single(s.span()),
            Node::Number { minus, lit } => Range::of(minus.unwrap_or(lit.span()), lit.span()),
            Node::Bool(b) => Range::single(b.span),
            Node::Null(i) => Range::single(i.span()),
            Node::Name(parts) => Range::of(parts[0].span(), parts[parts.len() - 1].span()),
            Node::Array { span, .. } | Node::Object { span, .. } => Range::single(*span),
            Node::Typed { ty, span, .. } => Range::of(ty.span(), *span),
            Node::Invalid(span, _) => Range::single(*span),
        }
    }
}

/// `/// docs  name(Input) -> Output = "arn:..."` in `handlers: { ... }`. Without types,
/// input and output are `serde_json::Value`.
pub struct Handler {
    pub docs: Vec<String>,
    pub name: Ident,
    pub input: Option<Type>,
    pub output: Option<Type>,
    pub arn: Option<LitStr>,
    /// Declared `name(Input, TaskToken) -> Output`: a callback, whose task waits for its
    /// token to be completed with the output.
    pub callback: bool,
}

/// Parses the macro input. Returns `None` only when not even the name and braces parse.
pub fn parse(input: TokenStream, errors: &mut Vec<syn::Error>) -> Option<Workflow> {
    let header =
        |stream: ParseStream| -> syn::Result<(Vec<Attribute>, Visibility, Ident, TokenStream)> {
            let attrs = stream.call(Attribute::parse_outer)?;
            let vis: Visibility = stream.parse()?;
            let name: Ident = stream.parse()?;
            let content;
            syn::braced!(content in stream);
            let body: TokenStream = content.parse()?;
            if !stream.is_empty() {
                return Err(stream.error("unexpected tokens after the workflow's `{ ... }`"));
            }
            Ok((attrs, vis, name, body))
        };
    let (attrs, vis, name, body) = match parse_chunk(header, input) {
        Ok(parts) => parts,
        Err(e) => {
            errors.push(syn::Error::new(
                e.span(),
                format!("{e}\n  = help: expected `/// docs  pub Name {{ start_at: First, states: {{ ... }} }}`"),
            ));
            return None;
        }
    };
    let docs = doc_lines(&attrs, errors);
    let mut entries = Vec::new();
    let mut handlers = Vec::new();
    let (mut lost_handlers, mut lost) = (Vec::new(), Vec::new());
    for chunk in split_entries(body, errors) {
        if starts_with_handlers(&chunk) {
            handlers.extend(parse_handlers(chunk, &mut lost_handlers, errors));
        } else {
            match parse_entry(chunk.clone(), errors) {
                Some(entry) => entries.push(entry),
                None => lost.extend(idents(chunk)),
            }
        }
    }
    Some(Workflow {
        docs,
        vis,
        name,
        entries,
        handlers,
        lost_handlers,
        lost,
    })
}

/// Every identifier in a stream, nested ones included: what a piece that failed to parse
/// might have named (a state, a handler, a field).
pub fn idents(stream: TokenStream) -> Vec<String> {
    let mut out = Vec::new();
    for tree in stream {
        match tree {
            TokenTree::Ident(i) => out.push(i.unraw().to_string()),
            TokenTree::Group(g) => out.extend(idents(g.stream())),
            _ => {}
        }
    }
    out
}

/// Splits the entries of a `{ }` at its top-level commas, and also where a comma is
/// missing: a `key:` after a complete `key: value` starts the next entry. The missing comma
/// is reported once, and both entries are parsed.
fn split_entries(stream: TokenStream, errors: &mut Vec<syn::Error>) -> Vec<TokenStream> {
    let mut out = Vec::new();
    for chunk in split_commas(stream) {
        let trees: Vec<TokenTree> = chunk.into_iter().collect();
        let colon = |i: usize| {
            matches!(trees.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ':'
                && p.spacing() == proc_macro2::Spacing::Alone)
                && !matches!(i.checked_sub(1).and_then(|j| trees.get(j)),
                    Some(TokenTree::Punct(p)) if p.as_char() == ':')
        };
        let is_key = |i: usize| {
            matches!(&trees[i], TokenTree::Ident(_))
                || matches!(&trees[i], TokenTree::Literal(l) if l.to_string().starts_with('"'))
        };
        // The chunk's own `key:` comes first; a value never holds a top-level `key:`.
        let Some(mut own) = (0..trees.len()).find(|i| colon(*i)) else {
            out.push(trees.into_iter().collect());
            continue;
        };
        let mut start = 0;
        for i in own + 2..trees.len().saturating_sub(1) {
            if i <= own + 1 || !is_key(i) || !colon(i + 1) {
                continue;
            }
            // Doc comments above the next key belong to it.
            let mut at = i;
            while at >= own + 4
                && matches!(&trees[at - 1], TokenTree::Group(g) if g.delimiter() == Delimiter::Bracket)
                && matches!(&trees[at - 2], TokenTree::Punct(p) if p.as_char() == '#')
            {
                at -= 2;
            }
            errors.push(syn::Error::new(
                trees[i].span(),
                format!("expected `,` before `{}`", trees[i]),
            ));
            out.push(trees[start..at].iter().cloned().collect());
            start = at;
            own = i + 1;
        }
        out.push(trees[start..].iter().cloned().collect());
    }
    out
}

/// Parses one chunk. syn reports a missing token at the end of a chunk at the whole macro
/// call; point it at the chunk's last token instead, where the token is missing.
fn parse_chunk<T>(parser: impl Parser<Output = T>, chunk: TokenStream) -> syn::Result<T> {
    let last = chunk.clone().into_iter().last().map(|t| match t {
        TokenTree::Group(g) => g.span_close(),
        other => other.span(),
    });
    parser.parse2(chunk).map_err(|e| match last {
        Some(span) if e.to_string().starts_with("unexpected end of input") => {
            syn::Error::new(span, e.to_string())
        }
        _ => e,
    })
}

/// Splits a stream at its top-level commas. Groups are single token trees, so commas inside
/// them stay put. Empty chunks (a trailing comma) are dropped.
fn split_commas(stream: TokenStream) -> Vec<TokenStream> {
    let mut chunks = vec![TokenStream::new()];
    for tree in stream {
        match &tree {
            TokenTree::Punct(p) if p.as_char() == ',' => chunks.push(TokenStream::new()),
            _ => {
                if let Some(chunk) = chunks.last_mut() {
                    chunk.extend([tree]);
                }
            }
        }
    }
    chunks.into_iter().filter(|c| !c.is_empty()).collect()
}

fn starts_with_handlers(chunk: &TokenStream) -> bool {
    let mut trees = chunk
        .clone()
        .into_iter()
        .skip_while(|t| !matches!(t, TokenTree::Ident(_)));
    matches!(trees.next(), Some(TokenTree::Ident(i)) if i == "handlers")
}

fn doc_lines(attrs: &[Attribute], errors: &mut Vec<syn::Error>) -> Vec<String> {
    let mut lines = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            errors.push(syn::Error::new_spanned(
                attr,
                "only doc comments are allowed here",
            ));
            continue;
        }
        if let syn::Meta::NameValue(nv) = &attr.meta
            && let syn::Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) = &nv.value
        {
            lines.push(s.value());
        }
    }
    lines
}

/// The ASL `Comment` made of doc comment lines: common indentation trimmed, lines joined.
pub fn comment_from_docs(docs: &[String]) -> Option<String> {
    let text: Vec<&str> = docs
        .iter()
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect();
    let joined = text.join("\n").trim().to_owned();
    (!joined.is_empty()).then_some(joined)
}

fn parse_entry(chunk: TokenStream, errors: &mut Vec<syn::Error>) -> Option<Entry> {
    type Parts = (Vec<Attribute>, Key, Option<syn::Error>, TokenStream);
    let parser = |stream: ParseStream| -> syn::Result<Parts> {
        let attrs = stream.call(Attribute::parse_outer)?;
        let key = if stream.peek(LitStr) {
            Key::Str(stream.parse()?)
        } else if stream.peek(Ident::peek_any) {
            Key::Ident(stream.call(Ident::parse_any)?)
        } else {
            return Err(stream.error("expected a field name or a state name"));
        };
        // A missing `:` is reported, and what follows is read as the value all the same.
        let missing_colon = if stream.peek(Token![:]) {
            stream.parse::<Token![:]>()?;
            None
        } else {
            Some(stream.error(format!(
                "expected `:` after `{}`",
                match &key {
                    Key::Ident(i) => i.to_string(),
                    Key::Str(s) => format!("{:?}", s.value()),
                }
            )))
        };
        let rest: TokenStream = stream.parse()?;
        Ok((attrs, key, missing_colon, rest))
    };
    let (attrs, key, missing_colon, rest) = parse_chunk(parser, chunk)
        .map_err(|e| errors.push(e))
        .ok()?;
    let colon_missing = missing_colon.is_some();
    errors.extend(missing_colon);
    let docs = doc_lines(&attrs, errors);
    if rest.is_empty() {
        // `Name` alone: the missing `:` already says what is wrong.
        if !colon_missing {
            errors.push(
                key.range()
                    .error(format!("`{}` needs a value after the `:`", key.text())),
            );
        }
        let span = key.range().end;
        return Some(Entry {
            docs,
            key,
            value: Node::Invalid(span, Vec::new()),
        });
    }
    let span = rest
        .clone()
        .into_iter()
        .next()
        .map_or(key.range().end, |t| t.span());
    let value = parse_node(rest.clone(), errors).unwrap_or(Node::Invalid(span, idents(rest)));
    Some(Entry { docs, key, value })
}

fn parse_node(tokens: TokenStream, errors: &mut Vec<syn::Error>) -> Option<Node> {
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    match trees.as_slice() {
        [TokenTree::Group(g)] if g.delimiter() == Delimiter::Bracket => {
            let items = split_commas(g.stream())
                .into_iter()
                .filter_map(|item| parse_node(item, errors))
                .collect();
            Some(Node::Array {
                span: g.span(),
                items,
            })
        }
        [TokenTree::Group(g)] if g.delimiter() == Delimiter::Brace => {
            let (entries, lost) = parse_entries(g.stream(), errors);
            Some(Node::Object {
                span: g.span(),
                entries,
                lost,
            })
        }
        [TokenTree::Ident(ty), TokenTree::Group(g)] if g.delimiter() == Delimiter::Brace => {
            let (entries, lost) = parse_entries(g.stream(), errors);
            Some(Node::Typed {
                ty: ty.clone(),
                span: g.span(),
                entries,
                lost,
            })
        }
        [TokenTree::Group(g)] if g.delimiter() == Delimiter::None => parse_node(g.stream(), errors),
        [TokenTree::Group(g), extra, ..] if g.delimiter() != Delimiter::None => {
            let written = if g.delimiter() == Delimiter::Bracket {
                "[...]"
            } else {
                "{...}"
            };
            errors.push(syn::Error::new(
                extra.span(),
                format!("expected `,` after `{written}`"),
            ));
            None
        }
        [TokenTree::Ident(ty), TokenTree::Group(g), extra, ..]
            if g.delimiter() == Delimiter::Brace =>
        {
            errors.push(syn::Error::new(
                extra.span(),
                format!("expected `,` after `{ty} {{ ... }}`"),
            ));
            None
        }
        _ => {
            let parser = |stream: ParseStream| -> syn::Result<Node> {
                let node = if stream.peek(Token![-]) {
                    let minus: Token![-] = stream.parse()?;
                    match stream.parse::<Lit>()? {
                        lit @ (Lit::Int(_) | Lit::Float(_)) => Node::Number {
                            minus: Some(minus.span),
                            lit,
                        },
                        other => {
                            return Err(syn::Error::new(
                                other.span(),
                                "expected a number after `-`",
                            ));
                        }
                    }
                } else if stream.peek(Lit) {
                    match stream.parse::<Lit>()? {
                        Lit::Str(s) => Node::Str(s),
                        Lit::Bool(b) => Node::Bool(b),
                        lit @ (Lit::Int(_) | Lit::Float(_)) => Node::Number { minus: None, lit },
                        other => {
                            return Err(syn::Error::new(
                                other.span(),
                                "expected a string, a number, `true`, `false`, `null`, `[...]` or `{...}`",
                            ));
                        }
                    }
                } else if stream.peek(Ident::peek_any) {
                    let first = stream.call(Ident::parse_any)?;
                    if first == "null" && stream.is_empty() {
                        Node::Null(first)
                    } else {
                        let mut parts = vec![first];
                        while stream.peek(Token![.]) {
                            stream.parse::<Token![.]>()?;
                            parts.push(stream.call(Ident::parse_any)?);
                        }
                        Node::Name(parts)
                    }
                } else {
                    return Err(stream.error(
                        "expected a value: a string, a number, `true`, `false`, `null`, a name, `[...]` or `{...}`",
                    ));
                };
                if !stream.is_empty() {
                    return Err(stream.error("expected `,` after the value"));
                }
                Ok(node)
            };
            parse_chunk(parser, tokens).map_err(|e| errors.push(e)).ok()
        }
    }
}

/// The entries of a `{ }` that parse, and the identifiers of those that did not at all.
fn parse_entries(stream: TokenStream, errors: &mut Vec<syn::Error>) -> (Vec<Entry>, Vec<String>) {
    let (mut entries, mut lost) = (Vec::new(), Vec::new());
    for chunk in split_entries(stream, errors) {
        match parse_entry(chunk.clone(), errors) {
            Some(entry) => entries.push(entry),
            None => lost.extend(idents(chunk)),
        }
    }
    (entries, lost)
}

fn parse_handlers(
    chunk: TokenStream,
    lost: &mut Vec<String>,
    errors: &mut Vec<syn::Error>,
) -> Vec<Handler> {
    let parser = |stream: ParseStream| -> syn::Result<TokenStream> {
        stream.call(Attribute::parse_outer)?;
        stream.parse::<Ident>()?;
        stream.parse::<Token![:]>()?;
        let content;
        syn::braced!(content in stream);
        let body = content.parse()?;
        if !stream.is_empty() {
            return Err(stream.error("expected `,` after `handlers: { ... }`"));
        }
        Ok(body)
    };
    let Ok(body) = parse_chunk(parser, chunk.clone()).map_err(|e| errors.push(e)) else {
        lost.extend(idents(chunk));
        return Vec::new();
    };
    let mut handlers: Vec<Handler> = Vec::new();
    for decl in split_declarations(body) {
        match parse_handler(decl.clone()) {
            Ok(handler) => {
                // The trait cannot have the method twice; the first declaration stands.
                if handlers.iter().any(|h| h.name == handler.name) {
                    errors.push(syn::Error::new(
                        handler.name.span(),
                        format!(
                            "handler `{}` is declared twice\n  = help: remove this declaration; several Task states may share one handler",
                            handler.name
                        ),
                    ));
                } else {
                    handlers.push(handler);
                }
            }
            Err(e) => {
                errors.push(e);
                lost.extend(idents(decl));
            }
        }
    }
    handlers
}

/// Splits `handlers: { ... }` into declarations. Types may hold top-level commas
/// (`Result<Vec<u8>, String>`), so a comma ends a declaration only where the next one
/// starts: at a doc comment, or a name followed by `(`, `=`, `,` or nothing. Each piece is
/// then parsed with syn, types and all.
fn split_declarations(body: TokenStream) -> Vec<TokenStream> {
    let trees: Vec<TokenTree> = body.into_iter().collect();
    let starts_declaration = |i: usize| match trees.get(i) {
        None => true,
        Some(TokenTree::Punct(p)) => p.as_char() == '#',
        Some(TokenTree::Ident(_)) => match trees.get(i + 1) {
            None => true,
            Some(TokenTree::Group(g)) => g.delimiter() == Delimiter::Parenthesis,
            Some(TokenTree::Punct(p)) => matches!(p.as_char(), '=' | ','),
            Some(_) => false,
        },
        Some(_) => false,
    };
    let mut out = vec![TokenStream::new()];
    for (i, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Punct(p) if p.as_char() == ',' && starts_declaration(i + 1) => {
                out.push(TokenStream::new())
            }
            _ => {
                if let Some(decl) = out.last_mut() {
                    decl.extend([tree.clone()]);
                }
            }
        }
    }
    out.into_iter().filter(|d| !d.is_empty()).collect()
}

fn parse_handler(decl: TokenStream) -> syn::Result<Handler> {
    let parser = |stream: ParseStream| -> syn::Result<Handler> {
        let attrs = stream.call(Attribute::parse_outer)?;
        let name: Ident = stream.parse()?;
        let (mut input, mut output, mut callback) = (None, None, false);
        if stream.peek(syn::token::Paren) {
            let content;
            let parens = syn::parenthesized!(content in stream);
            if content.is_empty() {
                return Err(syn::Error::new(
                    parens.span.join(),
                    "expected the input type inside `( )`: `name(InputType) -> OutputType`",
                ));
            }
            input = Some(content.parse::<Type>()?);
            if content.peek(Token![,]) {
                content.parse::<Token![,]>()?;
                let marker: Ident = content.parse()?;
                if marker != "TaskToken" {
                    return Err(syn::Error::new(
                        marker.span(),
                        "a handler takes one input type, and `TaskToken` when it is a callback: `name(InputType, TaskToken) -> OutputType`",
                    ));
                }
                callback = true;
            }
            if !content.is_empty() {
                return Err(content.error("a handler takes exactly one input type"));
            }
            let arrow = stream.parse::<Token![->]>()?;
            if stream.is_empty() || stream.peek(Token![=]) {
                return Err(syn::Error::new_spanned(
                    arrow,
                    "expected the output type after `->`: `name(InputType) -> OutputType`",
                ));
            }
            output = Some(stream.parse::<Type>()?);
        }
        let arn = if stream.peek(Token![=]) {
            stream.parse::<Token![=]>()?;
            Some(stream.parse::<LitStr>()?)
        } else {
            None
        };
        if !stream.is_empty() {
            return Err(stream.error(
                "expected a handler: `name(InputType) -> OutputType`, optionally followed by `= \"arn:...\"`",
            ));
        }
        let mut errors = Vec::new();
        let docs = doc_lines(&attrs, &mut errors);
        if let Some(e) = errors.into_iter().next() {
            return Err(e);
        }
        Ok(Handler {
            docs,
            name,
            input,
            output,
            arn,
            callback,
        })
    };
    parse_chunk(parser, decl)
}
