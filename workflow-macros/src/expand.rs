//! The generated items: the workflow type, its state enum, its handler trait, and the ASL.
//!
//! On any error, the same items are still emitted (every state and handler that parsed, an
//! empty ASL), followed by the errors, so that code using the workflow does not pile up
//! follow-on errors.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

use crate::lower::StateName;
use crate::parse::{Handler, Workflow};

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
    let parse_failed = !errors.is_empty();
    let (lowered, used) = crate::lower::lower(&workflow, &mut errors);
    // A handler may be unused only because the state naming it did not parse.
    if !workflow.entries_failed {
        crate::lower::check_unused_handlers(&workflow.handlers, &used, &mut errors);
    }
    // After a syntax error some entries are missing, and the validator would report their
    // absence: only check a workflow that parsed completely.
    let machine = if parse_failed {
        None
    } else {
        crate::check::check(&lowered, workflow.name.span(), &mut errors)
    };
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

/// The enum variant for each state: its identifier, or for a string name the name in
/// UpperCamelCase (`"send message"` -> `SendMessage`).
fn variant_names(states: &[StateName], errors: &mut Vec<syn::Error>) -> Vec<Ident> {
    let mut variants: Vec<Ident> = Vec::with_capacity(states.len());
    for (i, state) in states.iter().enumerate() {
        let variant = match &state.ident {
            Some(ident) => ident.clone(),
            None => {
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
                // Non-ASCII letters are valid in identifiers; anything else was split away.
                syn::parse_str::<Ident>(&camel).unwrap_or_else(|_| format_ident!("State{}", i))
            }
        };
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
    let variant_docs = variant_names.iter().map(|n| format!("The state `{n}`."));
    let enum_doc = format!("The top-level states of [`{name}`], in the order they are written.");
    let trait_doc = format!(
        "The Task handlers of [`{name}`]: one async method per handler declared in `handlers`."
    );
    let methods = handlers.iter().map(handler_method);
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
                #rt::Resources::new() #(#registrations)*
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
            #(#[doc = #variant_docs] #variant_idents,)*
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

fn handler_method(h: &Handler) -> TokenStream {
    let name = &h.name;
    let docs = &h.docs;
    let (input, output) = handler_types(h);
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
}
