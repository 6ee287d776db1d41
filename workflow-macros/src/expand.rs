//! The generated items: the workflow type, its state enum, its handler trait, and the ASL.
//!
//! On any error, the same items are still emitted (every state and handler that parsed, an
//! empty ASL), followed by the errors, so that code using the workflow does not pile up
//! follow-on errors.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

use crate::lower::StateName;
use crate::parse::{Entry, Handler, Key, Node, Workflow};

pub fn workflow(input: TokenStream) -> TokenStream {
    let (mut out, errors) = expand(input);
    out.extend(to_compile_errors(errors));
    out
}

/// The generated items (none when not even the header parses) and every error found.
fn expand(input: TokenStream) -> (TokenStream, Vec<syn::Error>) {
    let mut errors = Vec::new();
    let Some(workflow) = crate::parse::parse(input, &mut errors) else {
        return (TokenStream::new(), errors);
    };
    let (lowered, used) = crate::lower::lower(&workflow, &mut errors);
    crate::lower::check_unused_handlers(&workflow.handlers, &used, &lowered.broken, &mut errors);
    // Even after a syntax error: the validator sees what parsed, and what the broken
    // pieces would explain is dropped (see `check`).
    let machine = crate::check::check(&lowered, workflow.name.span(), &mut errors);
    let variants = variant_names(&lowered.states, &mut errors);
    let asl = match machine {
        Some(machine) if errors.is_empty() => workflow_core::render(&machine),
        _ => String::new(),
    };
    (items(&workflow, &lowered.states, &variants, &asl), errors)
}

fn to_compile_errors(errors: Vec<syn::Error>) -> TokenStream {
    errors.into_iter().map(|e| e.to_compile_error()).collect()
}

/// The enum variant for each state: its name in UpperCamelCase (`first_step` ->
/// `FirstStep`, `"send message"` -> `SendMessage`, `Wait1` unchanged), so that the user's
/// crate gets no `non_camel_case_types` warning. The ASL keeps the name as written.
fn variant_names(states: &[StateName], errors: &mut Vec<syn::Error>) -> Vec<Ident> {
    let mut variants: Vec<Ident> = Vec::with_capacity(states.len());
    for (i, state) in states.iter().enumerate() {
        let mut camel: String = state
            .name
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| {
                let mut chars = w.chars();
                chars
                    .next()
                    .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect();
        if camel.is_empty() || camel.starts_with(|c: char| c.is_ascii_digit()) {
            camel.insert_str(0, "State");
        }
        // Non-ASCII letters are valid in identifiers; anything else was split away. An
        // identifier keeps its span, so errors about the variant land on the state's name.
        let span = state.ident.as_ref().map_or(Span::call_site(), Ident::span);
        let variant = syn::parse_str::<Ident>(&camel)
            .map(|v| Ident::new(&v.to_string(), span))
            .unwrap_or_else(|_| format_ident!("State{}", i));
        if let Some(j) = variants.iter().position(|v| *v == variant)
            && states[j].name != state.name
        {
            errors.push(state.range.error(format!(
                "state name `{}` becomes the enum variant `{variant}`, which `{}` already uses\n  = help: rename one of the two states",
                state.name, states[j].name
            )));
        }
        variants.push(variant);
    }
    variants
}

fn items(workflow: &Workflow, states: &[StateName], variants: &[Ident], asl: &str) -> TokenStream {
    let Workflow {
        vis,
        name,
        docs,
        handlers,
        ..
    } = workflow;
    let state_enum = format_ident!("{}State", name);
    let handler_trait = format_ident!("{}Handlers", name);
    let name_str = name.to_string();
    let state_names: Vec<&str> = states.iter().map(|s| s.name.as_str()).collect();
    // A variant may repeat after a clash, which is already an error: keep the first.
    let mut unique: Vec<(&Ident, &str)> = Vec::new();
    for (variant, state) in variants.iter().zip(&state_names) {
        if !unique.iter().any(|(v, _)| *v == variant) {
            unique.push((variant, state));
        }
    }
    let (variant_idents, variant_names): (Vec<&Ident>, Vec<&str>) = unique.into_iter().unzip();
    // Each variant's docs: the state's `Comment` (or doc comment), then its ASL name, so
    // that `cargo doc` shows the workflow.
    let variant_docs: Vec<Vec<String>> = variant_names
        .iter()
        .map(|n| {
            let comment = states
                .iter()
                .find(|s| s.name == *n)
                .and_then(|s| s.comment.clone());
            let mut lines: Vec<String> = comment
                .map(|c| {
                    c.lines()
                        .map(|l| format!(" {l}"))
                        .chain([String::new()])
                        .collect()
                })
                .unwrap_or_default();
            lines.push(format!(" The state `{n}` in the ASL."));
            lines
        })
        .collect();
    let variant_docs = variant_docs.iter().map(|lines| quote!(#(#[doc = #lines])*));
    let enum_doc = format!("The top-level states of [`{name}`], in the order they are written.");
    let trait_doc = format!(
        "The Task handlers of [`{name}`]: one async method per handler declared in `handlers`."
    );
    let struct_doc: Vec<String> = docs
        .is_empty()
        .then(|| format!(" The workflow `{name}`."))
        .into_iter()
        .collect();
    let methods = handlers
        .iter()
        .map(|h| handler_method(h, states_of(h, &workflow.entries)));
    let resources = handlers.iter().map(|h| {
        let resource = match &h.arn {
            Some(arn) => arn.value(),
            None => workflow_core::resource_placeholder(&h.name.to_string()),
        };
        let handler = h.name.to_string();
        quote!((#resource, #handler))
    });
    let rt = quote!(::workflow_runtime);
    let registrations = handlers.iter().map(|h| registration(h, &rt));
    quote! {
        #(#[doc = #docs])*
        #(#[doc = #struct_doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        #vis struct #name;

        impl #name {
            /// The Amazon States Language document, as AWS Step Functions accepts it.
            pub const ASL: &'static str = #asl;

            /// The handlers as Task resources, each method registered under its handler
            /// name, for [`Executor::start_workflow`](::workflow_runtime::Executor::start_workflow).
            #[allow(unused_variables)]
            pub fn resources<H: #handler_trait>(handlers: H) -> #rt::Resources {
                let handlers = ::std::sync::Arc::new(handlers);
                let resources = #rt::Resources::new() #(#registrations)*;
                // Also under the resources the ASL names (placeholders, ARNs), so that a
                // runner given the definition (a `Durable`) finds them as `start_workflow` does.
                <Self as #rt::Workflow>::RESOURCES
                    .iter()
                    .fold(resources, |resources, (resource, handler)| {
                        resources.alias(*resource, *handler)
                    })
            }
        }

        impl #rt::Workflow for #name {
            const NAME: &'static str = #name_str;
            const ASL: &'static str = #asl;
            const RESOURCES: &'static [(&'static str, &'static str)] = &[#(#resources),*];
            type State = #state_enum;

            fn definition() -> ::core::result::Result<
                ::std::sync::Arc<#rt::asl::StateMachine>,
                #rt::asl::InvalidDefinition,
            > {
                static MACHINE: ::std::sync::OnceLock<
                    ::core::result::Result<
                        ::std::sync::Arc<#rt::asl::StateMachine>,
                        #rt::asl::InvalidDefinition,
                    >,
                > = ::std::sync::OnceLock::new();
                MACHINE
                    .get_or_init(|| {
                        #rt::asl::StateMachine::from_json_str(#asl).map(::std::sync::Arc::new)
                    })
                    .clone()
            }
        }

        #[doc = #enum_doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #vis enum #state_enum {
            #(#variant_docs #variant_idents,)*
        }

        impl #rt::WorkflowState for #state_enum {
            const ALL: &'static [Self] = &[#(Self::#variant_idents),*];

            fn name(&self) -> &'static str {
                match *self {
                    #(Self::#variant_idents => #variant_names,)*
                }
            }
        }

        #[doc = #trait_doc]
        #vis trait #handler_trait: ::core::marker::Send + ::core::marker::Sync + 'static {
            #(#methods)*
        }

    }
}

fn handler_types(h: &Handler) -> (TokenStream, TokenStream) {
    let value = quote!(::workflow_runtime::__private::serde_json::Value);
    let input = h.input.as_ref().map_or(value.clone(), |t| quote!(#t));
    let output = h.output.as_ref().map_or(value, |t| quote!(#t));
    (input, output)
}

/// `.register("send_message", ...)`: decodes the input into the handler's type, calls the
/// trait method, encodes its output. The decode and encode calls carry the spans of the
/// declared types, so a type that is not serde-compatible is reported at the type.
fn registration(h: &Handler, rt: &TokenStream) -> TokenStream {
    let method = &h.name;
    let name = h.name.to_string();
    let (input, output) = handler_types(h);
    let input_span = h.input.as_ref().map_or(Span::call_site(), span_of);
    let output_span = h.output.as_ref().map_or(Span::call_site(), span_of);
    let decode = quote_spanned!(input_span=> #rt::__private::deserialize_handler_input::<#input>);
    let encode = quote_spanned!(output_span=> #rt::__private::serialize_handler_output::<#output>);
    if h.callback {
        // The Lambda Invoke integration's payload: the input, and the task's token.
        return quote! {
            .register(#name, {
                let handlers = handlers.clone();
                move |payload: #rt::__private::serde_json::Value| {
                    let handlers = handlers.clone();
                    async move {
                        let (input, token) = #rt::__private::callback_payload(#name, payload)?;
                        let input = #decode(#name, input)?;
                        handlers.#method(input, #rt::TaskToken::<#output>::new(token)).await?;
                        ::core::result::Result::Ok(#rt::__private::serde_json::Value::Null)
                    }
                }
            })
        };
    }
    quote! {
        .register(#name, {
            let handlers = handlers.clone();
            move |input: #rt::__private::serde_json::Value| {
                let handlers = handlers.clone();
                async move {
                    let input = #decode(#name, input)?;
                    let output = handlers.#method(input).await?;
                    #encode(#name, &output)
                }
            }
        })
    }
}

/// The top-level Task states whose `resource` names the handler.
fn states_of(h: &Handler, entries: &[Entry]) -> Vec<String> {
    let Some(Node::Object {
        entries: states, ..
    }) = entries
        .iter()
        .find(|e| matches!(&e.key, Key::Ident(i) if i == "states"))
        .map(|e| &e.value)
    else {
        return Vec::new();
    };
    states
        .iter()
        .filter(|s| match &s.value {
            Node::Typed { entries, .. } => entries.iter().any(|f| {
                matches!(&f.key, Key::Ident(i) if i == "resource")
                    && matches!(&f.value, Node::Name(parts) if parts.len() == 1 && parts[0] == h.name)
            }),
            _ => false,
        })
        .map(|s| s.key.text())
        .collect()
}

/// The handler's method; without a doc comment of its own, its docs name the states that
/// call it.
fn handler_method(h: &Handler, states: Vec<String>) -> TokenStream {
    let name = &h.name;
    let mut docs = h.docs.clone();
    if docs.is_empty() {
        let states: Vec<String> = states.iter().map(|s| format!("`{s}`")).collect();
        docs.push(if states.is_empty() {
            format!(" The handler `{name}`.")
        } else {
            format!(
                " The handler `{name}`, called by the Task states {}.",
                states.join(", ")
            )
        });
    }
    let (input, output) = handler_types(h);
    if h.callback {
        return quote! {
            #(#[doc = #docs])*
            #[doc = ""]
            #[doc = " A callback: its task waits until `token` is completed (`token.succeed(&durable, &output)`), from here or from anywhere in the program."]
            fn #name(&self, input: #input, token: ::workflow_runtime::TaskToken<#output>) -> impl ::core::future::Future<
                Output = ::core::result::Result<(), ::workflow_runtime::TaskError>,
            > + ::core::marker::Send;
        };
    }
    quote! {
        #(#[doc = #docs])*
        fn #name(&self, input: #input) -> impl ::core::future::Future<
            Output = ::core::result::Result<#output, ::workflow_runtime::TaskError>,
        > + ::core::marker::Send;
    }
}

fn span_of(t: &syn::Type) -> Span {
    syn::spanned::Spanned::span(t)
}

#[cfg(test)]
mod tests {
    use quote::quote;

    /// The message of every error the macro reports for `input`, in order.
    fn errors(input: proc_macro2::TokenStream) -> Vec<String> {
        super::expand(input)
            .1
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn a_valid_workflow_has_no_errors() {
        let found = errors(quote! {
            pub Flow {
                start_at: Greet,
                handlers: { greet },
                states: { Greet: Task { resource: greet, next: Done }, Done: Succeed }
            }
        });
        assert_eq!(found, Vec::<String>::new());
    }

    #[test]
    fn a_misspelt_resource_does_not_leave_its_handler_unused() {
        let found = errors(quote! {
            pub Flow {
                start_at: Greet,
                handlers: { send_message },
                states: { Greet: Task { resource: send_mesage, end: true } }
            }
        });
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("no handler `send_mesage`"));
    }

    #[test]
    fn a_broken_state_does_not_leave_its_handler_unused() {
        let found = errors(quote! {
            pub Flow {
                start_at: Greet,
                handlers: { greet },
                states: { Greet Task { resource: greet, next: Done }, Done: Succeed }
            }
        });
        assert_eq!(found, ["expected `:` after `Greet`"]);
    }

    #[test]
    fn a_broken_handler_does_not_make_its_resource_undeclared() {
        let found = errors(quote! {
            pub Flow {
                start_at: Greet,
                handlers: { greet(String) -> },
                states: { Greet: Task { resource: greet, end: true } }
            }
        });
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("expected the output type after `->`"));
    }

    #[test]
    fn a_state_with_a_broken_value_keeps_its_variant() {
        let (items, found) = super::expand(quote! {
            pub Flow {
                start_at: Start,
                states: { Start: Pass { end: true } extra, Done: Succeed }
            }
        });
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].to_string(), "expected `,` after `Pass { ... }`");
        let items = items.to_string();
        assert!(items.contains("Start =>"), "{items}");
    }

    #[test]
    fn a_missing_comma_costs_one_error_and_nothing_else() {
        let found = errors(quote! {
            pub Flow {
                start_at: Greet,
                handlers: { greet },
                states: { Greet: Task { resource: greet, next: Done } Done: Succeed }
            }
        });
        assert_eq!(found, ["expected `,` before `Done`"]);
    }

    #[test]
    fn the_graph_is_checked_after_a_syntax_error() {
        let found = errors(quote! {
            pub Flow {
                start_at: Start,
                handlers: { greet, spare },
                states: {
                    Start: Task { resource: greet, next: Done } extra,
                    Done: Succeed,
                    Other: Pass { next: Nowhere },
                }
            }
        });
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[0], "expected `,` after `Task { ... }`");
        assert!(
            found[1].starts_with("handler `spare` is not used"),
            "{found:?}"
        );
        assert!(found[2].starts_with("`next` names `Nowhere`"), "{found:?}");
    }

    #[test]
    fn handler_types_may_hold_commas() {
        let (_, found) = super::expand(quote! {
            pub Flow {
                start_at: A,
                handlers: {
                    a(HashMap<String, f64>) -> Result<Vec<u8>, String>,
                    b,
                },
                states: { A: Task { resource: a, next: B }, B: Task { resource: b, end: true } }
            }
        });
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn variants_are_upper_camel_case() {
        let (items, found) = super::expand(quote! {
            pub Flow { start_at: first_step, states: { first_step: Succeed } }
        });
        assert!(found.is_empty());
        let items = items.to_string();
        assert!(items.contains("FirstStep => \"first_step\""), "{items}");
    }

    #[test]
    fn every_generated_item_has_docs() {
        let (items, found) = super::expand(quote! {
            pub Flow {
                start_at: first_step,
                handlers: { greet, /// Documented.
                    part },
                states: {
                    /// Says hello.
                    first_step: Task { resource: greet, next: Part },
                    Part: Task { resource: part, end: true },
                }
            }
        });
        assert!(found.is_empty(), "{found:?}");
        let file: syn::File = syn::parse2(items).unwrap();
        let has_doc = |attrs: &[syn::Attribute]| attrs.iter().any(|a| a.path().is_ident("doc"));
        let mut checked = 0;
        for item in &file.items {
            match item {
                syn::Item::Struct(s) => assert!(has_doc(&s.attrs), "struct {}", s.ident),
                syn::Item::Enum(e) => {
                    assert!(has_doc(&e.attrs), "enum {}", e.ident);
                    for v in &e.variants {
                        assert!(has_doc(&v.attrs), "variant {}", v.ident);
                        checked += 1;
                    }
                }
                syn::Item::Trait(t) => {
                    assert!(has_doc(&t.attrs), "trait {}", t.ident);
                    for i in &t.items {
                        if let syn::TraitItem::Fn(f) = i {
                            assert!(has_doc(&f.attrs), "method {}", f.sig.ident);
                            checked += 1;
                        }
                    }
                }
                syn::Item::Impl(i) if i.trait_.is_none() => {
                    for item in &i.items {
                        match item {
                            syn::ImplItem::Fn(f) => assert!(has_doc(&f.attrs)),
                            syn::ImplItem::Const(c) => assert!(has_doc(&c.attrs)),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        assert_eq!(checked, 4, "two variants and two methods");
        let text = file
            .items
            .iter()
            .map(|i| quote!(#i).to_string())
            .collect::<String>();
        assert!(text.contains("Says hello."), "{text}");
        assert!(
            text.contains("called by the Task states `first_step`"),
            "{text}"
        );
    }
}
