//! Runner for `spec/vectors/policy_run` (see `spec/policy.md`, "The policy
//! run", "Vector ops"): ops `start`, `next`, `success`, `failure`,
//! `timeout`, `settle`, `claim`, `wait_timeout`, `cancel`, `metrics`.

use crate::{b, error_value, s, u, Subject};
use seawall::adaptive_timeout::AdaptiveTimeout;
use seawall::backoff::Backoff;
use seawall::bulkhead::{OwnedPermit, OwnedWaiter};
use seawall::circuit_breaker::Outcome;
use seawall::clock::ManualClock;
use seawall::policy::{AttemptFailure, Policy, PolicyRun, Step};
use seawall::retry::Retry;
use seawall::retry_budget::{RetryBudget, RetryBudgetConfig};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

struct Call {
    run: PolicyRun,
    waiter: Option<OwnedWaiter>,
    held: Option<OwnedPermit>,
}

struct Runner {
    policy: Arc<Policy>,
    stages: super::policy::Stages,
    adaptive: Option<Arc<AdaptiveTimeout>>,
    backoff: Option<Backoff>,
    budget: Option<Arc<RetryBudget>>,
    calls: HashMap<String, Call>,
}

fn bad(field: &'static str, v: &Value) -> Value {
    error_value(&seawall::Error::config(field, format!("bad value {v}")))
}

/// Builds the subject: the policy guard's config keys, plus optional
/// `timeout_ns` or `adaptive_timeout` (its config keys), `retry`
/// (`backoff`, `budget`?, `max_attempts`?) and `fallback` (bool).
pub fn build(config: &Value, clock: &ManualClock) -> Result<Box<dyn Subject>, Value> {
    let (mut policy, stages) = super::policy::stages(config, clock)?;
    let mut adaptive = None;
    if let Some(t) = u(config, "timeout_ns") {
        policy = policy.timeout(Duration::from_nanos(t));
    } else if let Some(c) = config.get("adaptive_timeout") {
        let cfg = super::adaptive_timeout::parse_config(c)?;
        let a = Arc::new(AdaptiveTimeout::with_clock(cfg, clock).map_err(|e| error_value(&e))?);
        policy = policy.adaptive_timeout(a.clone());
        adaptive = Some(a);
    }
    let (mut backoff, mut budget) = (None, None);
    if let Some(rc) = config.get("retry") {
        let empty = Value::Object(Map::new());
        let bcfg = super::backoff::parse_config(rc.get("backoff").unwrap_or(&empty))?;
        let bo = Backoff::with_clock(bcfg, clock).map_err(|e| error_value(&e))?;
        let mut retry = Retry::new(bo.clone());
        if let Some(bc) = rc.get("budget") {
            let d = RetryBudgetConfig::default();
            let cfg = RetryBudgetConfig {
                max_tokens: match bc.get("max_tokens") {
                    None => d.max_tokens,
                    Some(v) => v
                        .as_u64()
                        .and_then(|x| u32::try_from(x).ok())
                        .ok_or_else(|| bad("max_tokens", v))?,
                },
                token_ratio: match bc.get("token_ratio") {
                    None => d.token_ratio,
                    Some(v) => v.as_f64().ok_or_else(|| bad("token_ratio", v))?,
                },
            };
            let bu = Arc::new(RetryBudget::new(cfg).map_err(|e| error_value(&e))?);
            retry = retry.with_budget(bu.clone());
            budget = Some(bu);
        }
        if let Some(v) = rc.get("max_attempts") {
            let n = v
                .as_u64()
                .and_then(|x| u32::try_from(x).ok())
                .ok_or_else(|| bad("max_attempts", v))?;
            retry = retry.with_max_attempts(n).map_err(|e| error_value(&e))?;
        }
        policy = policy.retry(retry);
        backoff = Some(bo);
    }
    policy = policy.fallback(b(config, "fallback").unwrap_or(false));
    Ok(Box::new(Runner {
        policy: Arc::new(policy),
        stages,
        adaptive,
        backoff,
        budget,
        calls: HashMap::new(),
    }))
}

fn err_name(e: &Option<seawall::Error>) -> Value {
    e.as_ref().map_or(Value::Null, |e| e.kind().as_str().into())
}

impl Runner {
    fn call(&mut self, args: &Value) -> Result<&mut Call, String> {
        let id = s(args, "id").unwrap_or("a");
        self.calls
            .get_mut(id)
            .ok_or_else(|| format!("no call {id:?}"))
    }

    /// The step as an output object; keeps a `WaitForSlot` waiter.
    fn out(&mut self, args: &Value, step: Step) -> Result<Value, String> {
        let mut o = Map::new();
        o.insert("step".into(), step.as_str().into());
        match step {
            Step::Attempt { timeout_ns } => {
                o.insert("timeout_ns".into(), timeout_ns.into());
            }
            Step::WaitForSlot {
                waiter,
                max_wait_ns,
            } => {
                o.insert("max_wait_ns".into(), max_wait_ns.into());
                self.call(args)?.waiter = Some(waiter);
            }
            Step::Sleep { delay_ns } => {
                o.insert("delay_ns".into(), delay_ns.into());
            }
            Step::Fallback { error, stage } | Step::Fail { error, stage } => {
                o.insert("stage".into(), stage.map(|s| s.as_str()).into());
                if let Some(e) = &error {
                    if let Some(f) = e.field() {
                        o.insert("field".into(), f.into());
                    }
                    if let Some(a) = e.attempts() {
                        o.insert("attempts".into(), a.into());
                    }
                    if let Some(r) = e.give_up_reason() {
                        o.insert("reason".into(), r.as_str().into());
                    }
                }
                o.insert("error".into(), err_name(&error));
            }
            Step::Done => {}
        }
        if let Ok(c) = self.call(args) {
            let n = c.run.attempts();
            o.insert("attempt".into(), n.into());
        }
        Ok(self.stages.snapshot(o))
    }
}

impl Subject for Runner {
    fn step(&mut self, op: &str, args: &Value, _clock: &ManualClock) -> Result<Value, String> {
        let id = s(args, "id").unwrap_or("a").to_string();
        match op {
            "start" => {
                let run = self.policy.run(u(args, "deadline_ns"));
                self.calls.insert(
                    id,
                    Call {
                        run,
                        waiter: None,
                        held: None,
                    },
                );
                let step = self.call(args)?.run.next_step();
                self.out(args, step)
            }
            "next" => {
                let step = self.call(args)?.run.next_step();
                self.out(args, step)
            }
            "success" => {
                let step = self.call(args)?.run.on_success();
                self.out(args, step)
            }
            "failure" => {
                let outcome = match s(args, "outcome") {
                    Some(o) => Outcome::parse("outcome", o).map_err(|e| e.to_string())?,
                    None => Outcome::Failure,
                };
                let f = AttemptFailure {
                    retryable: b(args, "retryable").unwrap_or(true),
                    retry_after_ns: u(args, "retry_after_ns"),
                    outcome,
                };
                let step = self.call(args)?.run.on_failure(f);
                self.out(args, step)
            }
            "timeout" => {
                let c = self.call(args)?;
                let (step, slot) = c.run.on_timeout();
                let held = slot.is_some();
                c.held = slot;
                let mut v = self.out(args, step)?;
                if let Some(o) = v.as_object_mut() {
                    o.insert("slot_held".into(), held.into());
                }
                Ok(v)
            }
            "settle" => {
                drop(self.call(args)?.held.take());
                self.out_snapshot()
            }
            "claim" => {
                let c = self.call(args)?;
                let w = c.waiter.take().ok_or("claim: no waiter")?;
                match w.try_claim() {
                    Ok(permit) => {
                        let step = c.run.slot_granted(permit);
                        self.out(args, step)
                    }
                    Err(w) => {
                        c.waiter = Some(w);
                        let mut o = Map::new();
                        o.insert("step".into(), "wait_for_slot".into());
                        Ok(self.stages.snapshot(o))
                    }
                }
            }
            "wait_timeout" => {
                let c = self.call(args)?;
                drop(c.waiter.take());
                let step = c.run.slot_timed_out();
                self.out(args, step)
            }
            "cancel" => {
                let c = self.call(args)?;
                drop(c.waiter.take());
                c.run.cancel();
                self.out_snapshot()
            }
            "metrics" => self.metrics(),
            other => Err(format!("unknown op {other:?}")),
        }
    }
}

impl Runner {
    fn out_snapshot(&self) -> Result<Value, String> {
        Ok(self.stages.snapshot(Map::new()))
    }

    fn metrics(&self) -> Result<Value, String> {
        let mut o = Map::new();
        if let Some(cb) = &self.stages.breaker {
            let m = cb.metrics();
            o.insert(
                "breaker".into(),
                json!({
                    "successes": m.successes, "failures": m.failures,
                    "ignored": m.ignored, "slow": m.slow,
                    "rejected": m.rejected,
                }),
            );
        }
        if let Some(bh) = &self.stages.bulkhead {
            let m = bh.metrics();
            o.insert(
                "bulkhead".into(),
                json!({ "active": m.active, "queued": m.queued, "rejected": m.rejected }),
            );
        }
        if let Some(a) = &self.adaptive {
            let m = a.metrics();
            o.insert(
                "adaptive".into(),
                json!({ "samples": m.samples, "timeout_ns": crate::ns(m.timeout), "p50_ns": crate::ns(m.p50) }),
            );
        }
        if let Some(bo) = &self.backoff {
            let m = bo.metrics();
            o.insert(
                "backoff".into(),
                json!({ "schedules": m.schedules, "retries": m.retries,
                        "exhausted_attempts": m.exhausted_attempts }),
            );
        }
        if let Some(bu) = &self.budget {
            let m = bu.metrics();
            o.insert(
                "budget".into(),
                json!({ "tokens_milli": m.tokens_milli, "retries_denied": m.retries_denied }),
            );
        }
        Ok(self.stages.snapshot(o))
    }
}
