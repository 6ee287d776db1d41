//! The evaluator: JSONata's sequence semantics over `serde_json::Value`.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use serde_json::{Map, Value};

use super::Error;
use super::functions;
use super::parser::{Lambda, Node};

/// How deeply evaluation (and function calls) may nest.
const MAX_DEPTH: usize = 300;
/// The most items a range `[a..b]` may produce.
const MAX_RANGE: f64 = 10_000_000.0;

/// A value during evaluation: JSON, nothing (JSONata's `undefined`), a sequence of results
/// (unwrapped when it holds one value), a function or a regex.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    Undef,
    J(Value),
    Seq(Vec<Value>),
    F(Rc<Func>),
    Re(Rc<super::functions::regex::Regex>),
}

/// A callable value.
#[derive(Debug)]
pub(crate) enum Func {
    Builtin(&'static str),
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
}

impl Val {
    /// The value as JSON: a sequence of one is its item, an empty one nothing.
    pub fn into_json(self) -> Option<Value> {
        match self {
            Val::Undef | Val::F(_) | Val::Re(_) => None,
            Val::J(v) => Some(v),
            Val::Seq(mut items) => match items.len() {
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
            Val::Undef => true,
            Val::Seq(items) => items.is_empty(),
            _ => false,
        }
    }

    /// The items of an array or sequence, or the one value.
    pub fn items(&self) -> Vec<Value> {
        match self {
            Val::Undef | Val::F(_) | Val::Re(_) => Vec::new(),
            Val::J(Value::Array(items)) | Val::Seq(items) => items.clone(),
            Val::J(v) => vec![v.clone()],
        }
    }

    pub fn from_items(mut items: Vec<Value>) -> Val {
        match items.len() {
            0 => Val::Undef,
            1 => Val::J(items.pop().unwrap_or(Value::Null)),
            _ => Val::Seq(items),
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
        Val::Undef | Val::F(_) | Val::Re(_) => false,
        Val::Seq(items) => items.iter().any(json_truthy),
        Val::J(v) => json_truthy(v),
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

/// The name JSONata's `$type` gives a value.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
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
        Value::Object(map) => map.get(name).cloned().map_or(Val::Undef, Val::J),
        Value::Array(_) => {
            let mut out = Vec::new();
            field(v, name, &mut out);
            Val::from_items(out)
        }
        _ => Val::Undef,
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
        Val::Undef => Some(None),
        Val::J(Value::Number(n)) => Some(n.as_f64()),
        Val::Seq(items) if items.is_empty() => Some(None),
        _ => None,
    }
}

impl<'a> Evaluator<'a> {
    pub fn new(root: Value, lookup: &'a dyn Fn(&str) -> Option<Value>) -> Self {
        Evaluator {
            root,
            lookup,
            depth: Cell::new(0),
            stack_base: Cell::new(0),
            max_stack: Cell::new(0),
            now_millis: 0,
        }
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
            Node::Num(n) => Val::J(num(*n)),
            Node::Str(s) => Val::J(Value::String(s.clone())),
            Node::Bool(b) => Val::J(Value::Bool(*b)),
            Node::Null => Val::J(Value::Null),
            Node::Regex(pattern, flags) => {
                Val::Re(Rc::new(functions::regex::Regex::new(pattern, flags)?))
            }
            Node::Name(name) => lookup_field(ctx, name),
            Node::Var(name) => self.variable(name, ctx, env),
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
            Node::Object(pairs) => Val::J(Value::Object(self.object(pairs, ctx, ctx, env)?)),
            Node::Group(expr, pairs) => self.eval_group(expr, pairs, ctx, env)?,
            Node::Neg(expr) => self.eval_neg(expr, ctx, env)?,
            Node::Binary(op, left, right) => self.binary(op, left, right, ctx, env)?,
            Node::Cond(cond, then, otherwise) => self.eval_cond(cond, then, otherwise, ctx, env)?,
            Node::Bind(name, expr) => self.bind(name, expr, ctx, env)?,
            Node::Block(items) => self.eval_block(items, ctx, env)?,
            Node::Call(callee, args) => self.eval_call(callee, args, ctx, env)?,
            Node::Placeholder => Val::Undef,
            Node::Lambda(def) => Val::F(Rc::new(Func::Lambda {
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
            Val::Seq(items) => Val::J(Value::Array(items)),
            Val::J(Value::Array(items)) => Val::J(Value::Array(items)),
            Val::J(v) => Val::J(Value::Array(vec![v])),
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
            Val::J(Value::Array(out))
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
            Val::J(Value::Object(out))
        })
    }

    #[inline(never)]
    fn eval_neg(&self, expr: &Node, ctx: &Value, env: &Rc<Env>) -> Result<Val, Error> {
        Ok(match self.eval(expr, ctx, env)? {
            Val::J(Value::Number(n)) => Val::J(num(-n.as_f64().unwrap_or(0.0))),
            v if v.is_undef() => Val::Undef,
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
                Val::Undef
            }
        })
    }

    #[inline(never)]
    fn eval_block(&self, items: &[Node], ctx: &Value, env: &Rc<Env>) -> Result<Val, Error> {
        Ok({
            let scope = Env::child(env);
            let mut last = Val::Undef;
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
            let Val::F(f) = f else {
                return Err(Error::new("T1006", "Attempted to invoke a non-function"));
            };
            if partial {
                Val::F(Rc::new(Func::Partial { f, args: values }))
            } else {
                let values = values
                    .into_iter()
                    .map(|v| v.unwrap_or(Val::Undef))
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
                    let Val::F(f) = self.eval(callee, ctx, env)? else {
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
                    Val::F(f) => self.apply(&f, vec![value], ctx)?,
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
            Val::Seq(keyed.into_iter().map(|(_, v)| v).collect())
        })
    }

    fn bind(&self, name: &str, expr: &Node, ctx: &Value, env: &Rc<Env>) -> Result<Val, Error> {
        let value = self.eval(expr, ctx, env)?;
        env.set(name, value.clone());
        Ok(value)
    }

    fn variable(&self, name: &str, ctx: &Value, env: &Rc<Env>) -> Val {
        match name {
            "" => Val::J(ctx.clone()),
            "$" => Val::J(self.root.clone()),
            _ => {
                if let Some(v) = env.get(name) {
                    return v;
                }
                if let Some(v) = (self.lookup)(name) {
                    return Val::J(v);
                }
                match functions::builtin(name) {
                    Some(f) => Val::F(Rc::new(Func::Builtin(f))),
                    None => Val::Undef,
                }
            }
        }
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
                    Val::J(Value::Array(_)) | Val::F(_) | Val::Re(_) => {
                        return Ok(results.pop().unwrap_or(Val::Undef));
                    }
                    _ => {}
                }
            }
            let mut next = Vec::new();
            for r in results {
                match r {
                    Val::Seq(items) => next.extend(items),
                    Val::J(Value::Array(items)) if !matches!(step, Node::Array(_)) => {
                        next.extend(items)
                    }
                    Val::J(v) => next.push(v),
                    _ => {}
                }
            }
            seq = next;
            if seq.is_empty() {
                return Ok(Val::Undef);
            }
        }
        Ok(Val::from_items(seq))
    }

    fn filter(&self, value: Val, predicate: &Node, env: &Rc<Env>) -> Result<Val, Error> {
        let items = value.items();
        if let Node::Num(n) = predicate {
            return Ok(index(&items, *n).map_or(Val::Undef, Val::J));
        }
        let mut out = Vec::new();
        let len = items.len();
        for (i, item) in items.into_iter().enumerate() {
            let r = self.eval(predicate, &item, env)?;
            let keep = match &r {
                Val::J(Value::Number(n)) => matches_index(n.as_f64().unwrap_or(f64::NAN), i, len),
                Val::J(Value::Array(xs)) | Val::Seq(xs)
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
            Func::Builtin(name) => functions::call(self, name, args, ctx),
            Func::Lambda { def, env, ctx } => {
                let scope = Env::child(env);
                let mut args = args.into_iter();
                for param in &def.params {
                    scope.set(param, args.next().unwrap_or(Val::Undef));
                }
                self.eval(&def.body, ctx, &scope)
            }
            Func::Partial { f, args: bound } => {
                let mut supplied = args.into_iter();
                let full = bound
                    .iter()
                    .map(|a| match a {
                        Some(v) => v.clone(),
                        None => supplied.next().unwrap_or(Val::Undef),
                    })
                    .collect();
                self.apply(f, full, ctx)
            }
        };
        self.depth.set(depth - 1);
        result
    }

    fn binary(
        &self,
        op: &str,
        left: &Node,
        right: &Node,
        ctx: &Value,
        env: &Rc<Env>,
    ) -> Result<Val, Error> {
        match op {
            "and" => {
                let l = truthy(&self.eval(left, ctx, env)?);
                return Ok(Val::J(Value::Bool(
                    l && truthy(&self.eval(right, ctx, env)?),
                )));
            }
            "or" => {
                let l = truthy(&self.eval(left, ctx, env)?);
                return Ok(Val::J(Value::Bool(
                    l || truthy(&self.eval(right, ctx, env)?),
                )));
            }
            "??" => {
                let l = self.eval(left, ctx, env)?;
                return if l.is_undef() {
                    self.eval(right, ctx, env)
                } else {
                    Ok(l)
                };
            }
            "?:" => {
                let l = self.eval(left, ctx, env)?;
                return if truthy(&l) {
                    Ok(l)
                } else {
                    self.eval(right, ctx, env)
                };
            }
            _ => {}
        }
        let l = self.eval(left, ctx, env)?;
        let r = self.eval(right, ctx, env)?;
        match op {
            "+" | "-" | "*" | "/" | "%" => {
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
                    return Ok(Val::Undef);
                };
                let n = match op {
                    "+" => x + y,
                    "-" => x - y,
                    "*" => x * y,
                    "/" => x / y,
                    _ => x % y,
                };
                if !n.is_finite() {
                    return Err(Error::new("D1001", format!("Number out of range: {n}")));
                }
                Ok(Val::J(num(n)))
            }
            "=" | "!=" => {
                let (Some(a), Some(b)) = (l.into_json(), r.into_json()) else {
                    return Ok(Val::J(Value::Bool(false)));
                };
                let eq = deep_equal(&a, &b);
                Ok(Val::J(Value::Bool(if op == "=" { eq } else { !eq })))
            }
            "<" | "<=" | ">" | ">=" => {
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
                    return Ok(Val::Undef);
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
                    return Ok(Val::J(Value::Bool(false)));
                };
                let result = match op {
                    "<" => ord.is_lt(),
                    "<=" => ord.is_le(),
                    ">" => ord.is_gt(),
                    _ => ord.is_ge(),
                };
                Ok(Val::J(Value::Bool(result)))
            }
            "&" => {
                let a = functions::string::stringify(&l)?.unwrap_or_default();
                let b = functions::string::stringify(&r)?.unwrap_or_default();
                Ok(Val::J(Value::String(a + &b)))
            }
            "in" => {
                let Some(a) = l.into_json() else {
                    return Ok(Val::J(Value::Bool(false)));
                };
                Ok(Val::J(Value::Bool(
                    r.items().iter().any(|x| deep_equal(x, &a)),
                )))
            }
            ".." => {
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
                    return Ok(Val::Undef);
                };
                if a > b {
                    return Ok(Val::Undef);
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
                let mut out = Vec::new();
                let mut x = a;
                while x <= b {
                    out.push(num(x));
                    x += 1.0;
                }
                Ok(Val::J(Value::Array(out)))
            }
            other => Err(Error::new("S0201", format!("Syntax error: \"{other}\""))),
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
        let node = super::super::parser::parse(text).unwrap();
        let lookup = |_: &str| None;
        let ev = Evaluator::new(Value::Null, &lookup);
        ev.eval(&node, &Value::Null, &Rc::new(Env::default()))
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
