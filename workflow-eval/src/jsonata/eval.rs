//! The evaluator: JSONata's sequence semantics over `serde_json::Value`.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use serde_json::{Map, Value};

use super::Error;
use super::functions;
use crate::intrinsics::Entropy;
pub(crate) use crate::{VALUE_BYTES, weight};
use workflow_core::jsonata::{BinaryOp, Lambda, Node};

/// How deeply evaluation (and function calls) may nest.
const MAX_DEPTH: usize = 300;
/// The most items a range `[a..b]` may produce.
const MAX_RANGE: f64 = 10_000_000.0;
/// The most bytes of values one evaluation may build, all values together: ranges, string
/// concatenations and what the built-ins return are charged before they are allocated, so
/// an expression that doubles a value in a loop fails instead of exhausting memory.
pub(crate) const MAX_BUILT_BYTES: usize = 64 << 20;

/// A value during evaluation.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    /// Nothing: JSONata's `undefined` (a path that matched nothing, an unbound variable).
    Undefined,
    /// One JSON value.
    Json(Value),
    /// The results of a path over several values, unwrapped when it holds one.
    Sequence(Vec<Value>),
    /// A function: built-in, lambda or partial application.
    Function(Rc<Func>),
    /// A regular expression literal, `/ab+/i`.
    Regex(Rc<super::functions::regex::Regex>),
}

/// A callable value.
#[derive(Debug)]
pub(crate) enum Func {
    Builtin(functions::Builtin),
    Lambda {
        def: std::sync::Arc<Lambda>,
        env: Rc<Env>,
        ctx: Value,
    },
    Partial {
        f: Rc<Func>,
        args: Vec<Option<Val>>,
    },
}

/// Variables bound by `:=` and lambda parameters, over the enclosing frames.
#[derive(Debug, Default)]
pub(crate) struct Env {
    vars: RefCell<HashMap<String, Val>>,
    parent: Option<Rc<Env>>,
}

impl Env {
    pub fn child(parent: &Rc<Env>) -> Rc<Env> {
        Rc::new(Env {
            vars: RefCell::new(HashMap::new()),
            parent: Some(parent.clone()),
        })
    }

    fn get(&self, name: &str) -> Option<Val> {
        if let Some(v) = self.vars.borrow().get(name) {
            return Some(v.clone());
        }
        self.parent.as_ref().and_then(|p| p.get(name))
    }

    pub fn set(&self, name: &str, value: Val) {
        self.vars.borrow_mut().insert(name.to_owned(), value);
    }

    /// Moves a variable of this frame out of it.
    fn take(&self, name: &str) -> Option<Val> {
        self.vars.borrow_mut().remove(name)
    }
}

impl Val {
    /// The value as JSON: a sequence of one is its item, an empty one nothing.
    pub fn into_json(self) -> Option<Value> {
        match self {
            Val::Undefined | Val::Function(_) | Val::Regex(_) => None,
            Val::Json(v) => Some(v),
            Val::Sequence(mut items) => match items.len() {
                0 => None,
                1 => items.pop(),
                _ => Some(Value::Array(items)),
            },
        }
    }

    pub fn as_json(&self) -> Option<Value> {
        self.clone().into_json()
    }

    pub fn is_undef(&self) -> bool {
        match self {
            Val::Undefined => true,
            Val::Sequence(items) => items.is_empty(),
            _ => false,
        }
    }

    /// The items of an array or sequence, or the one value.
    pub fn items(&self) -> Vec<Value> {
        match self {
            Val::Undefined | Val::Function(_) | Val::Regex(_) => Vec::new(),
            Val::Json(Value::Array(items)) | Val::Sequence(items) => items.clone(),
            Val::Json(v) => vec![v.clone()],
        }
    }

    pub fn from_items(mut items: Vec<Value>) -> Val {
        match items.len() {
            0 => Val::Undefined,
            1 => Val::Json(items.pop().unwrap_or(Value::Null)),
            _ => Val::Sequence(items),
        }
    }
}

/// A number as JSON: integral values without a fraction, as JSONata prints them.
pub(crate) fn num(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

/// JSONata's boolean cast.
pub(crate) fn truthy(v: &Val) -> bool {
    match v {
        Val::Undefined | Val::Function(_) | Val::Regex(_) => false,
        Val::Sequence(items) => items.iter().any(json_truthy),
        Val::Json(v) => json_truthy(v),
    }
}

pub(crate) fn json_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => items.iter().any(json_truthy),
        Value::Object(map) => !map.is_empty(),
    }
}

/// Deep equality, numbers compared by value.
pub(crate) fn deep_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| deep_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| deep_equal(v, w)))
        }
        _ => a == b,
    }
}

/// A hash consistent with [`deep_equal`]: numbers by value (so `1` and `1.0` agree),
/// objects whatever their key order. Lets `$distinct` compare each item with the few that
/// share its hash, not with every item kept before it.
pub(crate) fn deep_hash(value: &Value) -> u64 {
    use std::hash::{Hash, Hasher};
    fn hash_of(value: &Value, state: &mut std::collections::hash_map::DefaultHasher) {
        match value {
            Value::Null => 0u8.hash(state),
            Value::Bool(b) => (1u8, b).hash(state),
            Value::Number(n) => {
                // -0.0 equals 0.0 and must hash alike.
                let f = n.as_f64().unwrap_or(f64::NAN);
                let f = if f == 0.0 { 0.0 } else { f };
                (2u8, f.to_bits()).hash(state)
            }
            Value::String(s) => (3u8, s).hash(state),
            Value::Array(items) => {
                (4u8, items.len()).hash(state);
                for item in items {
                    hash_of(item, state);
                }
            }
            Value::Object(map) => {
                // Key order does not matter to deep equality: combine the entries' hashes
                // with an order-independent sum.
                let mut sum = 0u64;
                for (key, item) in map {
                    let mut entry = std::collections::hash_map::DefaultHasher::new();
                    key.hash(&mut entry);
                    hash_of(item, &mut entry);
                    sum = sum.wrapping_add(entry.finish());
                }
                (5u8, map.len(), sum).hash(state);
            }
        }
    }
    let mut state = std::collections::hash_map::DefaultHasher::new();
    hash_of(value, &mut state);
    state.finish()
}

/// Evaluation state for one expression.
pub(crate) struct Evaluator<'a> {
    pub root: Value,
    pub lookup: &'a dyn Fn(&str) -> Option<Value>,
    depth: Cell<usize>,
    /// The address of a local at the start of evaluation: how much stack evaluation has
    /// used is measured from it.
    stack_base: Cell<usize>,
    pub max_stack: Cell<usize>,
    /// `$now()` and `$millis()`: one instant for the whole evaluation, as in JSONata.
    pub now_millis: i64,
    /// Bytes of values built so far (see [`MAX_BUILT_BYTES`]).
    built: Cell<usize>,
    /// Where `$random()`, `$uuid()` and `$shuffle` draw from: the execution's one random
    /// source, so that a seeded run is reproducible.
    entropy: RefCell<&'a mut dyn Entropy>,
}

/// The most stack one evaluation may use, whatever its frames weigh.
const MAX_STACK: usize = 1024 * 1024;

fn stack_address() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

fn field(v: &Value, name: &str, out: &mut Vec<Value>) {
    match v {
        Value::Object(map) => {
            if let Some(x) = map.get(name) {
                match x {
                    Value::Array(items) => out.extend(items.iter().cloned()),
                    other => out.push(other.clone()),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                field(item, name, out);
            }
        }
        _ => {}
    }
}

/// `name` in `v`: an object's field, or the fields of an array's objects (flattened).
fn lookup_field(v: &Value, name: &str) -> Val {
    match v {
        Value::Object(map) => map.get(name).cloned().map_or(Val::Undefined, Val::Json),
        Value::Array(_) => {
            let mut out = Vec::new();
            field(v, name, &mut out);
            Val::from_items(out)
        }
        _ => Val::Undefined,
    }
}

fn descendants(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Array(items) => {
            for item in items {
                descendants(item, out);
            }
        }
        Value::Object(map) => {
            out.push(v.clone());
            for x in map.values() {
                descendants(x, out);
            }
        }
        other => out.push(other.clone()),
    }
}

fn number_of(v: &Val) -> Option<Option<f64>> {
    match v {
        Val::Undefined => Some(None),
        Val::Json(Value::Number(n)) => Some(n.as_f64()),
        Val::Sequence(items) if items.is_empty() => Some(None),
        _ => None,
    }
}

impl<'a> Evaluator<'a> {
    pub fn new(
        root: Value,
        lookup: &'a dyn Fn(&str) -> Option<Value>,
        entropy: &'a mut dyn Entropy,
    ) -> Self {
        Evaluator {
            root,
            lookup,
            depth: Cell::new(0),
            stack_base: Cell::new(0),
            max_stack: Cell::new(0),
            now_millis: 0,
            built: Cell::new(0),
            entropy: RefCell::new(entropy),
        }
    }

    /// Charges `bytes` about to be built to the evaluation's budget; fails (before the
    /// allocation) when the budget would be exceeded.
    pub fn charge(&self, bytes: usize) -> Result<(), Error> {
        let total = self.built.get().saturating_add(bytes);
        if total > MAX_BUILT_BYTES {
            return Err(Error::new(
                "D1010",
                format!(
                    "The expression builds more than {} MiB of values, the limit of one evaluation",
                    MAX_BUILT_BYTES >> 20
                ),
            ));
        }
        self.built.set(total);
        Ok(())
    }

    /// 64 random bits from the evaluation's random source.
    pub fn random_u64(&self) -> u64 {
        self.entropy.borrow_mut().next_u64()
    }

    /// A uniform integer in `0..bound` (`bound > 0`) from the evaluation's random source.
    pub fn random_below(&self, bound: u64) -> u64 {
        crate::intrinsics::below(&mut **self.entropy.borrow_mut(), bound)
    }

    pub fn eval(&self, node: &Node, ctx: &Value, env: &Rc<Env>) -> Result<Val, Error> {
        let depth = self.depth.get() + 1;
        if self.stack_base.get() == 0 {
            self.stack_base.set(stack_address());
        }
        let used = self.stack_base.get().abs_diff(stack_address());
        self.max_stack.set(self.max_stack.get().max(used));
        if depth > MAX_DEPTH || used > MAX_STACK {
            return Err(Error::new(
                "U1001",
                "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.",
            ));
        }
        self.depth.set(depth);
        let result = self.eval_inner(node, ctx, env);
        self.depth.set(depth - 1);
        result
    }

    fn eval_inner(&self, node: &Node, ctx: &Value, env: &Rc<Env>) -> Result<Val, Error> {
        Ok(match node {
            Node::Num(n) => Val::Json(num(*n)),
            Node::Str(s) => Val::Json(Value::String(s.clone())),
            Node::Bool(b) => Val::Json(Value::Bool(*b)),
            Node::Null => Val::Json(Value::Null),
            Node::Regex(pattern, flags) => {
                Val::Regex(Rc::new(functions::regex::Regex::new(pattern, flags)?))
            }
            Node::Name(name) => lookup_field(ctx, name),
            Node::Var(name) => self.variable(name, ctx, env)?,
            Node::Wildcard => wildcard(ctx),
            Node::Descendants => {
                let mut out = Vec::new();
                descendants(ctx, &mut out);
                Val::from_items(out)
            }
            Node::Path(steps) => self.path(steps, ctx, env)?,
            Node::Filter(expr, predicate) => self.eval_filter(expr, predicate, ctx, env)?,
            Node::KeepArray(expr) => self.eval_keeparray(expr, ctx, env)?,
            Node::Array(items) => self.eval_array(items, ctx, env)?,
            Node::Object(pairs) => Val::Json(Value::Object(self.object(pairs, ctx, ctx, env)?)),
            Node::Group(expr, pairs) => self.eval_group(expr, pairs, ctx, env)?,
            Node::Neg(expr) => self.eval_neg(expr, ctx, env)?,
            Node::Binary(op, left, right) => self.binary(*op, left, right, ctx, env)?,
            Node::Cond(cond, then, otherwise) => self.eval_cond(cond, then, otherwise, ctx, env)?,
            Node::Bind(name, expr) => self.bind(name, expr, ctx, env)?,
            Node::Block(items) => self.eval_block(items, ctx, env)?,
            Node::Call(callee, args) => self.eval_call(callee, args, ctx, env)?,
            Node::Placeholder => Val::Undefined,
            Node::Lambda(def) => Val::Function(Rc::new(Func::Lambda {
                def: def.clone(),
                env: env.clone(),
                ctx: ctx.clone(),
            })),
            Node::Apply(left, right) => self.eval_apply(left, right, ctx, env)?,
            Node::Sort(expr, terms) => self.eval_sort(expr, terms, ctx, env)?,
        })
    }

    #[inline(never)]
    fn eval_filter(
        &self,
        expr: &Node,
        predicate: &Node,
        ctx: &Value,
        env: &Rc<Env>,
    ) -> Result<Val, Error> {
        Ok({
            let value = self.eval(expr, ctx, env)?;
            self.filter(value, predicate, env)?
        })
    }

    #[inline(never)]
    fn eval_keeparray(&self, expr: &Node, ctx: &Value, env: &Rc<Env>) -> Result<Val, Error> {
        Ok(match self.eval(expr, ctx, env)? {
            Val::Sequence(items) => Val::Json(Value::Array(items)),
            Val::Json(Value::Array(items)) => Val::Json(Value::Array(items)),
            Val::Json(v) => Val::Json(Value::Array(vec![v])),
            other => other,
        })
    }

    #[inline(never)]
    fn eval_array(&self, items: &[Node], ctx: &Value, env: &Rc<Env>) -> Result<Val, Error> {
        Ok({
            let mut out = Vec::new();
            for item in items {
                let value = self.eval(item, ctx, env)?;
                if matches!(item, Node::Array(_)) {
                    if let Some(v) = value.into_json() {
                        out.push(v);
                    } else {
                        out.push(Value::Array(Vec::new()));
                    }
                } else {
                    out.extend(value.items());
                }
            }
            Val::Json(Value::Array(out))
        })
    }

    #[inline(never)]
    fn eval_group(
        &self,
        expr: &Node,
        pairs: &[(Node, Node)],
        ctx: &Value,
        env: &Rc<Env>,
    ) -> Result<Val, Error> {
        Ok({
            let value = self.eval(expr, ctx, env)?;
            let mut groups: Vec<(String, usize, Vec<Value>)> = Vec::new();
            for item in value.items() {
                for (index, (key, _)) in pairs.iter().enumerate() {
                    let key = self.eval(key, &item, env)?;
                    let key = match key.into_json() {
                        Some(Value::String(s)) => s,
                        None => continue,
                        Some(other) => return Err(key_error(&other)),
                    };
                    match groups.iter_mut().find(|g| g.0 == key) {
                        Some(group) => group.2.push(item.clone()),
                        None => groups.push((key, index, vec![item.clone()])),
                    }
                }
            }
            let mut out = Map::new();
            for (key, index, items) in groups {
                let data = match Val::from_items(items).into_json() {
                    Some(v) => v,
                    None => continue,
                };
                let value = self.eval(&pairs[index].1, &data, env)?;
                if let Some(v) = value.into_json() {
                    out.insert(key, v);
                }
            }
            Val::Json(Value::Object(out))
        })
    }

    #[inline(never)]
    fn eval_neg(&self, expr: &Node, ctx: &Value, env: &Rc<Env>) -> Result<Val, Error> {
        Ok(match self.eval(expr, ctx, env)? {
            Val::Json(Value::Number(n)) => Val::Json(num(-n.as_f64().unwrap_or(0.0))),
            v if v.is_undef() => Val::Undefined,
            _ => {
                return Err(Error::new("D1002", "Cannot negate a non-numeric value"));
            }
        })
    }

    #[inline(never)]
    fn eval_cond(
        &self,
        cond: &Node,
        then: &Node,
        otherwise: &Option<Box<Node>>,
        ctx: &Value,
        env: &Rc<Env>,
    ) -> Result<Val, Error> {
        Ok({
            if truthy(&self.eval(cond, ctx, env)?) {
                self.eval(then, ctx, env)?
            } else if let Some(otherwise) = otherwise {
                self.eval(otherwise, ctx, env)?
            } else {
                Val::Undefined
            }
        })
    }

    #[inline(never)]
    fn eval_block(&self, items: &[Node], ctx: &Value, env: &Rc<Env>) -> Result<Val, Error> {
        Ok({
            let scope = Env::child(env);
            let mut last = Val::Undefined;
            for item in items {
                last = self.eval(item, ctx, &scope)?;
            }
            last
        })
    }

    #[inline(never)]
    fn eval_call(
        &self,
        callee: &Node,
        args: &[Node],
        ctx: &Value,
        env: &Rc<Env>,
    ) -> Result<Val, Error> {
        Ok({
            let f = self.eval(callee, ctx, env)?;
            let mut values = Vec::with_capacity(args.len());
            let mut partial = false;
            for arg in args {
                if matches!(arg, Node::Placeholder) {
                    partial = true;
                    values.push(None);
                } else {
                    values.push(Some(self.eval(arg, ctx, env)?));
                }
            }
            let Val::Function(f) = f else {
                return Err(Error::new("T1006", "Attempted to invoke a non-function"));
            };
            if partial {
                Val::Function(Rc::new(Func::Partial { f, args: values }))
            } else {
                let values = values
                    .into_iter()
                    .map(|v| v.unwrap_or(Val::Undefined))
                    .collect();
                self.apply(&f, values, ctx)?
            }
        })
    }

    #[inline(never)]
    fn eval_apply(
        &self,
        left: &Node,
        right: &Node,
        ctx: &Value,
        env: &Rc<Env>,
    ) -> Result<Val, Error> {
        Ok({
            let value = self.eval(left, ctx, env)?;
            match right {
                Node::Call(callee, args) => {
                    let Val::Function(f) = self.eval(callee, ctx, env)? else {
                        return Err(Error::new(
                            "T2006",
                            "The right side of the function application operator ~> must be a function",
                        ));
                    };
                    let mut values = vec![value];
                    for arg in args {
                        values.push(self.eval(arg, ctx, env)?);
                    }
                    self.apply(&f, values, ctx)?
                }
                other => match self.eval(other, ctx, env)? {
                    Val::Function(f) => self.apply(&f, vec![value], ctx)?,
                    _ => {
                        return Err(Error::new(
                            "T2006",
                            "The right side of the function application operator ~> must be a function",
                        ));
                    }
                },
            }
        })
    }

    #[inline(never)]
    fn eval_sort(
        &self,
        expr: &Node,
        terms: &[(Node, bool)],
        ctx: &Value,
        env: &Rc<Env>,
    ) -> Result<Val, Error> {
        Ok({
            let items = self.eval(expr, ctx, env)?.items();
            let mut keyed = Vec::with_capacity(items.len());
            for item in items {
                let mut keys = Vec::new();
                for (term, _) in terms {
                    keys.push(self.eval(term, &item, env)?.into_json());
                }
                keyed.push((keys, item));
            }
            let mut error = None;
            keyed.sort_by(|a, b| {
                    for (i, (_, descending)) in terms.iter().enumerate() {
                        let ord = match (&a.0[i], &b.0[i]) {
                            (Some(Value::Number(x)), Some(Value::Number(y))) => x
                                .as_f64()
                                .partial_cmp(&y.as_f64())
                                .unwrap_or(std::cmp::Ordering::Equal),
                            (Some(Value::String(x)), Some(Value::String(y))) => x.cmp(y),
                            (None, None) => std::cmp::Ordering::Equal,
                            (None, _) => std::cmp::Ordering::Greater,
                            (_, None) => std::cmp::Ordering::Less,
                            _ => {
                                error = Some(Error::new("T2008", "The expressions within an order-by clause must evaluate to numeric or string values"));
                                std::cmp::Ordering::Equal
                            }
                        };
                        let ord = if *descending { ord.reverse() } else { ord };
                        if ord != std::cmp::Ordering::Equal {
                            return ord;
                        }
                    }
                    std::cmp::Ordering::Equal
                });
            if let Some(e) = error {
                return Err(e);
            }
            Val::Sequence(keyed.into_iter().map(|(_, v)| v).collect())
        })
    }

    fn bind(&self, name: &str, expr: &Node, ctx: &Value, env: &Rc<Env>) -> Result<Val, Error> {
        let value = self.eval(expr, ctx, env)?;
        env.set(name, value.clone());
        Ok(value)
    }

    /// A variable's value. Each read is a copy, so it is charged to the budget: a loop
    /// that reads a large input at every step fails instead of exhausting memory.
    fn variable(&self, name: &str, ctx: &Value, env: &Rc<Env>) -> Result<Val, Error> {
        let value = match name {
            "" => {
                self.charge(weight(ctx))?;
                return Ok(Val::Json(ctx.clone()));
            }
            "$" => {
                self.charge(weight(&self.root))?;
                return Ok(Val::Json(self.root.clone()));
            }
            _ => {
                if let Some(v) = env.get(name) {
                    v
                } else if let Some(v) = (self.lookup)(name) {
                    Val::Json(v)
                } else {
                    return Ok(match functions::Builtin::from_name(name) {
                        Some(f) => Val::Function(Rc::new(Func::Builtin(f))),
                        None => Val::Undefined,
                    });
                }
            }
        };
        let bytes = match &value {
            Val::Json(v) => weight(v),
            Val::Sequence(items) => items.iter().map(weight).sum(),
            _ => 0,
        };
        self.charge(bytes)?;
        Ok(value)
    }

    fn object(
        &self,
        pairs: &[(Node, Node)],
        key_ctx: &Value,
        ctx: &Value,
        env: &Rc<Env>,
    ) -> Result<Map<String, Value>, Error> {
        let mut out = Map::new();
        for (key, value) in pairs {
            let key = match self.eval(key, key_ctx, env)?.into_json() {
                Some(Value::String(s)) => s,
                None => continue,
                Some(other) => return Err(key_error(&other)),
            };
            if let Some(v) = self.eval(value, ctx, env)?.into_json() {
                out.insert(key, v);
            }
        }
        Ok(out)
    }

    fn path(&self, steps: &[Node], ctx: &Value, env: &Rc<Env>) -> Result<Val, Error> {
        let mut seq: Vec<Value> = match (ctx, steps.first()) {
            (Value::Array(items), Some(Node::Name(_))) => items.clone(),
            (Value::Array(items), Some(Node::Filter(first, _)))
                if matches!(**first, Node::Name(_)) =>
            {
                items.clone()
            }
            _ => vec![ctx.clone()],
        };
        let last_index = steps.len().saturating_sub(1);
        for (i, step) in steps.iter().enumerate() {
            let mut results = Vec::new();
            for item in &seq {
                let r = self.eval(step, item, env)?;
                if !r.is_undef() {
                    results.push(r);
                }
            }
            if i == last_index && results.len() == 1 {
                match &results[0] {
                    Val::Json(Value::Array(_)) | Val::Function(_) | Val::Regex(_) => {
                        return Ok(results.pop().unwrap_or(Val::Undefined));
                    }
                    _ => {}
                }
            }
            let mut next = Vec::new();
            for r in results {
                match r {
                    Val::Sequence(items) => next.extend(items),
                    Val::Json(Value::Array(items)) if !matches!(step, Node::Array(_)) => {
                        next.extend(items)
                    }
                    Val::Json(v) => next.push(v),
                    _ => {}
                }
            }
            seq = next;
            if seq.is_empty() {
                return Ok(Val::Undefined);
            }
        }
        Ok(Val::from_items(seq))
    }

    fn filter(&self, value: Val, predicate: &Node, env: &Rc<Env>) -> Result<Val, Error> {
        let items = value.items();
        if let Node::Num(n) = predicate {
            return Ok(index(&items, *n).map_or(Val::Undefined, Val::Json));
        }
        let mut out = Vec::new();
        let len = items.len();
        for (i, item) in items.into_iter().enumerate() {
            let r = self.eval(predicate, &item, env)?;
            let keep = match &r {
                Val::Json(Value::Number(n)) => {
                    matches_index(n.as_f64().unwrap_or(f64::NAN), i, len)
                }
                Val::Json(Value::Array(xs)) | Val::Sequence(xs)
                    if !xs.is_empty() && xs.iter().all(Value::is_number) =>
                {
                    xs.iter()
                        .any(|x| matches_index(x.as_f64().unwrap_or(f64::NAN), i, len))
                }
                other => truthy(other),
            };
            if keep {
                out.push(item);
            }
        }
        Ok(Val::from_items(out))
    }

    /// Calls a function value.
    pub fn apply(&self, f: &Func, args: Vec<Val>, ctx: &Value) -> Result<Val, Error> {
        let depth = self.depth.get() + 1;
        if depth > MAX_DEPTH {
            return Err(Error::new(
                "U1001",
                "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.",
            ));
        }
        self.depth.set(depth);
        let result = match f {
            Func::Builtin(builtin) => functions::call(self, *builtin, args, ctx),
            Func::Lambda { def, env, ctx } => {
                let scope = Env::child(env);
                let mut args = args.into_iter();
                for param in &def.params {
                    scope.set(param, args.next().unwrap_or(Val::Undefined));
                }
                match &def.body {
                    // `function($acc, $x) { $acc & ... }`, as `$reduce` builds a string: the
                    // parameter is moved out of the call's own scope instead of copied
                    // (nothing can read it after the body), so n steps cost O(n), not O(n²).
                    // The right side is evaluated first; the left, a variable, cannot fail.
                    Node::Binary(BinaryOp::Concat, left, right) if matches!(&**left, Node::Var(name) if def.params.contains(name)) =>
                    {
                        let Node::Var(name) = &**left else {
                            unreachable!("matched above")
                        };
                        self.eval(right, ctx, &scope).and_then(|r| {
                            self.concat(scope.take(name).unwrap_or(Val::Undefined), r)
                        })
                    }
                    body => self.eval(body, ctx, &scope),
                }
            }
            Func::Partial { f, args: bound } => {
                let mut supplied = args.into_iter();
                let full = bound
                    .iter()
                    .map(|a| match a {
                        Some(v) => v.clone(),
                        None => supplied.next().unwrap_or(Val::Undefined),
                    })
                    .collect();
                self.apply(f, full, ctx)
            }
        };
        self.depth.set(depth - 1);
        result
    }

    /// `l & r`. The left string is extended in place, so that a string built up by `&` in
    /// a loop is not copied at every step.
    fn concat(&self, l: Val, r: Val) -> Result<Val, Error> {
        // A string operand was charged when it was built (or read); one made here is new.
        let (mut a, fresh) = match l {
            Val::Json(Value::String(a)) => (a, 0),
            other => {
                let a = functions::string::stringify(&other)?.unwrap_or_default();
                let fresh = a.len();
                (a, fresh)
            }
        };
        let b = functions::string::stringify(&r)?.unwrap_or_default();
        self.charge(fresh + b.len())?;
        a.push_str(&b);
        Ok(Val::Json(Value::String(a)))
    }

    fn binary(
        &self,
        op: BinaryOp,
        left: &Node,
        right: &Node,
        ctx: &Value,
        env: &Rc<Env>,
    ) -> Result<Val, Error> {
        // Both sides, for the operators that do not short-circuit.
        let operands = || -> Result<(Val, Val), Error> {
            Ok((self.eval(left, ctx, env)?, self.eval(right, ctx, env)?))
        };
        match op {
            BinaryOp::And => {
                let l = truthy(&self.eval(left, ctx, env)?);
                Ok(Val::Json(Value::Bool(
                    l && truthy(&self.eval(right, ctx, env)?),
                )))
            }
            BinaryOp::Or => {
                let l = truthy(&self.eval(left, ctx, env)?);
                Ok(Val::Json(Value::Bool(
                    l || truthy(&self.eval(right, ctx, env)?),
                )))
            }
            BinaryOp::Coalesce => {
                let l = self.eval(left, ctx, env)?;
                if l.is_undef() {
                    self.eval(right, ctx, env)
                } else {
                    Ok(l)
                }
            }
            BinaryOp::Elvis => {
                let l = self.eval(left, ctx, env)?;
                if truthy(&l) {
                    Ok(l)
                } else {
                    self.eval(right, ctx, env)
                }
            }
            BinaryOp::Add
            | BinaryOp::Subtract
            | BinaryOp::Multiply
            | BinaryOp::Divide
            | BinaryOp::Modulo => {
                let (l, r) = operands()?;
                let x = number_of(&l).ok_or_else(|| {
                    Error::new(
                        "T2001",
                        format!("The left side of the \"{op}\" operator must evaluate to a number"),
                    )
                })?;
                let y = number_of(&r).ok_or_else(|| {
                    Error::new(
                        "T2002",
                        format!(
                            "The right side of the \"{op}\" operator must evaluate to a number"
                        ),
                    )
                })?;
                let (Some(x), Some(y)) = (x, y) else {
                    return Ok(Val::Undefined);
                };
                let n = match op {
                    BinaryOp::Add => x + y,
                    BinaryOp::Subtract => x - y,
                    BinaryOp::Multiply => x * y,
                    BinaryOp::Divide => x / y,
                    _ => x % y,
                };
                if !n.is_finite() {
                    return Err(Error::new("D1001", format!("Number out of range: {n}")));
                }
                Ok(Val::Json(num(n)))
            }
            BinaryOp::Equal | BinaryOp::NotEqual => {
                let (l, r) = operands()?;
                let (Some(a), Some(b)) = (l.into_json(), r.into_json()) else {
                    return Ok(Val::Json(Value::Bool(false)));
                };
                let eq = deep_equal(&a, &b);
                Ok(Val::Json(Value::Bool(if op == BinaryOp::Equal {
                    eq
                } else {
                    !eq
                })))
            }
            BinaryOp::Less
            | BinaryOp::LessOrEqual
            | BinaryOp::Greater
            | BinaryOp::GreaterOrEqual => {
                let (l, r) = operands()?;
                let (a, b) = (l.into_json(), r.into_json());
                let ok = |v: &Option<Value>| {
                    matches!(v, None | Some(Value::Number(_) | Value::String(_)))
                };
                if !ok(&a) || !ok(&b) {
                    return Err(Error::new(
                        "T2010",
                        format!(
                            "The expressions either side of operator \"{op}\" must evaluate to numeric or string values"
                        ),
                    ));
                }
                let (Some(a), Some(b)) = (a, b) else {
                    return Ok(Val::Undefined);
                };
                let ord = match (&a, &b) {
                    (Value::Number(x), Value::Number(y)) => x.as_f64().partial_cmp(&y.as_f64()),
                    (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
                    _ => {
                        return Err(Error::new(
                            "T2009",
                            format!(
                                "The values {} and {} either side of operator \"{op}\" must be of the same data type",
                                a, b
                            ),
                        ));
                    }
                };
                let Some(ord) = ord else {
                    return Ok(Val::Json(Value::Bool(false)));
                };
                let result = match op {
                    BinaryOp::Less => ord.is_lt(),
                    BinaryOp::LessOrEqual => ord.is_le(),
                    BinaryOp::Greater => ord.is_gt(),
                    _ => ord.is_ge(),
                };
                Ok(Val::Json(Value::Bool(result)))
            }
            BinaryOp::Concat => {
                let (l, r) = operands()?;
                self.concat(l, r)
            }
            BinaryOp::In => {
                let (l, r) = operands()?;
                let Some(a) = l.into_json() else {
                    return Ok(Val::Json(Value::Bool(false)));
                };
                Ok(Val::Json(Value::Bool(
                    r.items().iter().any(|x| deep_equal(x, &a)),
                )))
            }
            BinaryOp::Range => {
                let (l, r) = operands()?;
                let int = |v: &Val, code: &str, side: &str| -> Result<Option<f64>, Error> {
                    match number_of(v) {
                        Some(None) => Ok(None),
                        Some(Some(n)) if n.fract() == 0.0 => Ok(Some(n)),
                        _ => Err(Error::new(
                            code,
                            format!(
                                "The {side} side of the range operator (..) must evaluate to an integer"
                            ),
                        )),
                    }
                };
                let a = int(&l, "T2003", "left")?;
                let b = int(&r, "T2004", "right")?;
                let (Some(a), Some(b)) = (a, b) else {
                    return Ok(Val::Undefined);
                };
                if a > b {
                    return Ok(Val::Undefined);
                }
                if b - a >= MAX_RANGE {
                    return Err(Error::new(
                        "D2014",
                        format!(
                            "The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate {}.",
                            b - a + 1.0
                        ),
                    ));
                }
                self.charge((b - a + 1.0) as usize * VALUE_BYTES)?;
                let mut out = Vec::with_capacity((b - a + 1.0) as usize);
                let mut x = a;
                while x <= b {
                    out.push(num(x));
                    x += 1.0;
                }
                Ok(Val::Json(Value::Array(out)))
            }
        }
    }
}

fn key_error(v: &Value) -> Error {
    Error::new(
        "T1003",
        format!("Key in object structure must evaluate to a string; got: {v}"),
    )
}

fn matches_index(n: f64, i: usize, len: usize) -> bool {
    let n = n.floor();
    let target = if n < 0.0 { len as f64 + n } else { n };
    target == i as f64
}

fn index(items: &[Value], n: f64) -> Option<Value> {
    let n = n.floor();
    let i = if n < 0.0 { items.len() as f64 + n } else { n };
    if i < 0.0 {
        return None;
    }
    items.get(i as usize).cloned()
}

/// `*`: the values of the context's fields (or of each object in a context array),
/// arrays flattened one level.
fn wildcard(ctx: &Value) -> Val {
    let values: Vec<&Value> = match ctx {
        Value::Object(map) => map.values().collect(),
        Value::Array(items) => items.iter().collect(),
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for v in values {
        match v {
            Value::Array(items) => out.extend(items.iter().cloned()),
            Value::Object(map) if matches!(ctx, Value::Array(_)) => {
                out.extend(map.values().cloned())
            }
            other => out.push(other.clone()),
        }
    }
    Val::from_items(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Result<Val, Error> {
        let expression = workflow_core::jsonata::Expression::parse(text).unwrap();
        let node = expression.node();
        let lookup = |_: &str| None;
        let mut entropy = crate::intrinsics::SeededEntropy::new(1);
        let ev = Evaluator::new(Value::Null, &lookup, &mut entropy);
        ev.eval(node, &Value::Null, &Rc::new(Env::default()))
    }

    #[test]
    fn recursion_is_bounded_by_depth_and_stack() {
        // Moderate recursion works; unbounded recursion is an error, not a stack overflow.
        let ok = run("($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(15))").unwrap();
        assert_eq!(ok.into_json(), Some(Value::from(15)));
        let err = run("($f := function($n){ $f($n + 1) }; $f(0))").unwrap_err();
        assert_eq!(err.code, "U1001");
    }

    #[test]
    fn deeply_nested_expressions_fail_cleanly() {
        // As deep as the parser accepts: evaluation either finishes or stops with U1001,
        // on a 2 MiB stack (a tokio worker's).
        let deep = format!("{}[1]{}", "$count(".repeat(150), ")".repeat(150));
        let handle = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || match run(&deep) {
                Ok(_) => true,
                Err(e) => e.code == "U1001",
            })
            .unwrap();
        assert!(handle.join().unwrap());
    }
}
