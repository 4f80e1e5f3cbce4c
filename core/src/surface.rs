//! The configuration surface of every primitive, as data: one table per
//! config struct, one row per field (canonical name, unit, default, valid
//! range, one line of documentation).
//!
//! The canonical name is the Rust field name (snake_case, no unit). Each
//! language derives its own spelling from the name and the unit, by one
//! rule per language:
//!
//! | unit | Rust / core | C (`seawall_<x>_config`) | Python | Node |
//! |---|---|---|---|---|
//! | [`Unit::Duration`] | `open_duration: Duration` | `open_duration_ns` (integer ns) | `open_duration` (float s) | `openDurationMs` (number, ms) |
//! | anything else | `window_size` | `window_size` | `window_size` | `windowSize` |
//!
//! An optional field (`Option<T>` in Rust) is `has_<name>` plus the value
//! in C, `None` in Python and `null`/absent in Node.
//!
//! The cross-surface test (`tests/tests/surface.rs`) walks these tables and
//! checks every field against the C header, the Python signatures, stubs
//! and wrapper classes, and the Node option lists and type declarations
//! (and the defaults those write out); it also checks that the defaults
//! are those of the config's `Default` and that each range's ends are
//! what the config's `validate` accepts.
//! Adding a config field therefore means: the field, its row here, and
//! whatever the test then names as missing.
//!
//! [`Policy`](crate::policy::Policy) has no table: it has no config struct
//! of its own, it composes primitives (its one setting, the per-attempt
//! timeout, is a `Duration` argument).

use crate::adaptive_timeout::{MAX_MIN_SAMPLES, MIN_WINDOW as AT_MIN_WINDOW};
use crate::bulkhead::MAX_COUNT as BULKHEAD_MAX;
use crate::circuit_breaker::{
    MAX_COUNT_WINDOW, MAX_FAILURE_COUNT, MAX_HALF_OPEN_CALLS, MAX_MULTIPLIER,
};
use crate::keyed::{MAX_KEYS, MAX_PROBE};
use crate::retry_budget::MAX_TOKENS_LIMIT;
use crate::sliding_window::{MAX_BUCKETS, MAX_LIMIT, MIN_WINDOW as SW_MIN_WINDOW};
use crate::validate::MAX_DURATION;

/// What a field's value means, which decides its spelling per language.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unit {
    /// A whole number of things (calls, tokens, keys, slots).
    Count,
    /// A real number without unit (a factor, tokens per second).
    Number,
    /// A real number in `[0, 1]` or `(0, 1]` (a share of calls).
    Ratio,
    /// A length of time: `Duration` in Rust, integer nanoseconds in C
    /// (`_ns`), float seconds in Python, float milliseconds in Node (`Ms`).
    Duration,
    /// `true` / `false`.
    Bool,
    /// One of these wire names (a `u32` constant in C).
    Enum(&'static [&'static str]),
    /// Any `u64`, a random generator's seed.
    Seed,
    /// A string.
    Text,
}

impl Unit {
    /// A short name for messages: `count`, `number`, `ratio`, `duration`,
    /// `bool`, `enum`, `seed`, `text`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::Number => "number",
            Unit::Ratio => "ratio",
            Unit::Duration => "duration",
            Unit::Bool => "bool",
            Unit::Enum(_) => "enum",
            Unit::Seed => "seed",
            Unit::Text => "text",
        }
    }
}

/// A default, or one end of a range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// No value: an optional field left unset (`None`).
    Unset,
    /// No default: the caller must give one.
    Required,
    /// A whole number.
    Int(u64),
    /// A real number.
    Real(f64),
    /// A duration in nanoseconds.
    Nanos(u64),
    /// A boolean.
    Bool(bool),
    /// An enum's wire name.
    Name(&'static str),
    /// A string.
    Text(&'static str),
    /// As large (or small) as the unit allows (an end with no bound).
    Unbounded,
    /// The value of another field of the same config (e.g.
    /// `success_threshold <= half_open_max_calls`).
    Field(&'static str),
}

/// The values `validate` accepts: `min ..= max`, or `min < v <= max` when
/// `min_open`. Constraints a range cannot say are in [`Field::doc`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// The smallest accepted value (or the exclusive bound with `min_open`).
    pub min: Value,
    /// Whether `min` itself is refused.
    pub min_open: bool,
    /// The largest accepted value (inclusive).
    pub max: Value,
}

impl Range {
    /// Every value of the unit (seeds, booleans, enum names).
    pub const ANY: Range = Range {
        min: Value::Unbounded,
        min_open: false,
        max: Value::Unbounded,
    };

    /// `min ..= max`.
    pub const fn closed(min: Value, max: Value) -> Range {
        Range {
            min,
            min_open: false,
            max,
        }
    }

    /// `min < v <= max`.
    pub const fn open_closed(min: Value, max: Value) -> Range {
        Range {
            min,
            min_open: true,
            max,
        }
    }
}

/// One config field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Field {
    /// The Rust field name (snake_case, no unit suffix), also the name
    /// core's `InvalidConfig` errors carry.
    pub name: &'static str,
    /// What the value means.
    pub unit: Unit,
    /// Whether the field is an `Option` (may be left unset).
    pub optional: bool,
    /// The value of the config's `Default` (or its constructor).
    pub default: Value,
    /// What `validate` accepts when every other field is at a value that
    /// does not constrain this one.
    pub range: Range,
    /// One line for users.
    pub doc: &'static str,
}

/// The fields of one primitive's config.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Surface {
    /// The primitive (snake_case), e.g. `circuit_breaker`.
    pub primitive: &'static str,
    /// The Rust config type, e.g. `circuit_breaker::Config`.
    pub config: &'static str,
    /// Every field, in the struct's order.
    pub fields: &'static [Field],
}

impl Surface {
    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

const MAX_NS: u64 = MAX_DURATION.as_nanos() as u64;
const NS_PER_MS: u64 = 1_000_000;
const NS_PER_S: u64 = 1_000_000_000;

const fn f(
    name: &'static str,
    unit: Unit,
    default: Value,
    range: Range,
    doc: &'static str,
) -> Field {
    Field {
        name,
        unit,
        optional: false,
        default,
        range,
        doc,
    }
}

const fn opt(name: &'static str, unit: Unit, range: Range, doc: &'static str) -> Field {
    Field {
        name,
        unit,
        optional: true,
        default: Value::Unset,
        range,
        doc,
    }
}

/// A duration `> 0` and at most 100 years.
const POSITIVE_DURATION: Range = Range::closed(Value::Nanos(1), Value::Nanos(MAX_NS));
/// A duration `>= 0` and at most 100 years.
const BOUNDED_DURATION: Range = Range::closed(Value::Nanos(0), Value::Nanos(MAX_NS));
/// `(0, 1]`.
const RATE_THRESHOLD: Range = Range::open_closed(Value::Real(0.0), Value::Real(1.0));
/// `[0, 1]`.
const PROBABILITY: Range = Range::closed(Value::Real(0.0), Value::Real(1.0));

/// [`circuit_breaker::Config`](crate::circuit_breaker::Config).
pub const CIRCUIT_BREAKER: Surface = Surface {
    primitive: "circuit_breaker",
    config: "circuit_breaker::Config",
    fields: &[
        Field {
            optional: true,
            ..f(
                "failure_rate_threshold",
                Unit::Ratio,
                Value::Real(0.5),
                RATE_THRESHOLD,
                "Trip when failures / calls reaches this over the window; unset disables the rule.",
            )
        },
        Field {
            optional: true,
            ..f(
                "slow_call_rate_threshold",
                Unit::Ratio,
                Value::Real(1.0),
                RATE_THRESHOLD,
                "Trip when slow calls / calls reaches this over the window; unset disables the rule.",
            )
        },
        f(
            "slow_call_duration_threshold",
            Unit::Duration,
            Value::Nanos(60 * NS_PER_S),
            POSITIVE_DURATION,
            "A call longer than this is slow.",
        ),
        f(
            "window_kind",
            Unit::Enum(&["count_based", "time_based"]),
            Value::Name("count_based"),
            Range::ANY,
            "Count the last window_size calls, or the calls of the last window_size seconds.",
        ),
        f(
            "window_size",
            Unit::Count,
            Value::Int(100),
            Range::closed(Value::Int(1), Value::Int(MAX_COUNT_WINDOW)),
            "Calls in the window (count_based), or seconds (time_based: at most 3600).",
        ),
        f(
            "minimum_number_of_calls",
            Unit::Count,
            Value::Int(100),
            Range::closed(Value::Int(1), Value::Field("window_size")),
            "The rate rules need this many calls in the window (time_based: up to 1e9).",
        ),
        opt(
            "failure_count_threshold",
            Unit::Count,
            Range::closed(Value::Int(1), Value::Int(MAX_FAILURE_COUNT)),
            "Trip after this many failures in a row (or within failure_count_period).",
        ),
        opt(
            "failure_count_period",
            Unit::Duration,
            POSITIVE_DURATION,
            "Count failures younger than this instead of consecutive ones; needs failure_count_threshold.",
        ),
        f(
            "open_duration",
            Unit::Duration,
            Value::Nanos(60 * NS_PER_S),
            POSITIVE_DURATION,
            "How long the breaker stays open before admitting probes.",
        ),
        f(
            "open_duration_multiplier",
            Unit::Number,
            Value::Real(1.0),
            Range::closed(Value::Real(1.0), Value::Real(MAX_MULTIPLIER)),
            "Each re-trip from half-open multiplies the open duration by this.",
        ),
        opt(
            "max_open_duration",
            Unit::Duration,
            Range::closed(Value::Field("open_duration"), Value::Nanos(MAX_NS)),
            "Cap on the grown open duration.",
        ),
        f(
            "half_open_max_calls",
            Unit::Count,
            Value::Int(3),
            Range::closed(Value::Int(1), Value::Int(MAX_HALF_OPEN_CALLS)),
            "Probes admitted per half-open episode.",
        ),
        f(
            "success_threshold",
            Unit::Count,
            Value::Int(3),
            Range::closed(Value::Int(1), Value::Field("half_open_max_calls")),
            "Successful probes that close the breaker.",
        ),
    ],
};

const BURST: Field = f(
    "burst",
    Unit::Count,
    Value::Int(10),
    Range::closed(Value::Int(1), Value::Unbounded),
    "The most tokens taken at once after an idle period; burst / rate_per_sec at most 100 years.",
);
const RATE_PER_SEC: Field = f(
    "rate_per_sec",
    Unit::Number,
    Value::Real(10.0),
    // From one token per 100 years (at burst 1) to 2e9 per second (the
    // emission interval rounds to at least 1 ns).
    Range::closed(
        Value::Real(NS_PER_S as f64 / MAX_NS as f64),
        Value::Real(2e9),
    ),
    "Refill rate in tokens per second; fractions allowed.",
);

/// [`TokenBucketConfig`](crate::token_bucket::TokenBucketConfig).
pub const TOKEN_BUCKET: Surface = Surface {
    primitive: "token_bucket",
    config: "token_bucket::TokenBucketConfig",
    fields: &[
        BURST,
        RATE_PER_SEC,
        opt(
            "initial_tokens",
            Unit::Count,
            Range::closed(Value::Int(0), Value::Field("burst")),
            "Tokens at construction; unset starts full.",
        ),
    ],
};

const LIMIT: Field = f(
    "limit",
    Unit::Count,
    Value::Int(100),
    Range::closed(Value::Int(1), Value::Int(MAX_LIMIT)),
    "Requests allowed in any window.",
);
const WINDOW: Field = f(
    "window",
    Unit::Duration,
    Value::Nanos(60 * NS_PER_S),
    Range::closed(
        Value::Nanos(SW_MIN_WINDOW.as_nanos() as u64),
        Value::Nanos(MAX_NS),
    ),
    "The window length.",
);
const BUCKETS: Field = f(
    "buckets",
    Unit::Count,
    Value::Int(10),
    Range::closed(Value::Int(1), Value::Int(MAX_BUCKETS as u64)),
    "Sub-windows per window: a grant expires at most window / buckets late.",
);

/// [`SlidingWindowConfig`](crate::sliding_window::SlidingWindowConfig).
pub const SLIDING_WINDOW: Surface = Surface {
    primitive: "sliding_window",
    config: "sliding_window::SlidingWindowConfig",
    fields: &[LIMIT, WINDOW, BUCKETS],
};

const MAX_KEYS_FIELD: Field = f(
    "max_keys",
    Unit::Count,
    Value::Int(10_000),
    Range::closed(Value::Int(1), Value::Int(MAX_KEYS)),
    "Distinct keys the table always has room for (4 x max_keys slots).",
);
const MAX_PROBE_FIELD: Field = f(
    "max_probe",
    Unit::Count,
    Value::Int(MAX_PROBE as u64),
    Range::closed(Value::Int(1), Value::Int(MAX_PROBE as u64)),
    "Slots probed per lookup; fewer make false denials below max_keys possible.",
);
const ON_FULL: Field = f(
    "on_full",
    Unit::Enum(&["deny", "allow"]),
    Value::Name("deny"),
    Range::ANY,
    "What a new key gets when it finds no slot.",
);
const HASH_SEED: Field = opt(
    "hash_seed",
    Unit::Seed,
    Range::ANY,
    "Seed of the key hash; unset draws one.",
);

/// [`KeyedTokenBucketConfig`](crate::keyed::KeyedTokenBucketConfig): the
/// bucket's fields (its `initial_tokens` must stay unset: a new key starts
/// full) and the table's.
pub const KEYED_TOKEN_BUCKET: Surface = Surface {
    primitive: "keyed_token_bucket",
    config: "keyed::KeyedTokenBucketConfig",
    fields: &[
        BURST,
        RATE_PER_SEC,
        MAX_KEYS_FIELD,
        MAX_PROBE_FIELD,
        ON_FULL,
        HASH_SEED,
    ],
};

/// [`KeyedSlidingWindowConfig`](crate::keyed::KeyedSlidingWindowConfig):
/// the window's fields and the table's.
pub const KEYED_SLIDING_WINDOW: Surface = Surface {
    primitive: "keyed_sliding_window",
    config: "keyed::KeyedSlidingWindowConfig",
    fields: &[
        LIMIT,
        WINDOW,
        BUCKETS,
        MAX_KEYS_FIELD,
        MAX_PROBE_FIELD,
        ON_FULL,
        HASH_SEED,
    ],
};

/// [`BulkheadConfig`](crate::bulkhead::BulkheadConfig).
pub const BULKHEAD: Surface = Surface {
    primitive: "bulkhead",
    config: "bulkhead::BulkheadConfig",
    fields: &[
        f(
            "max_concurrent",
            Unit::Count,
            Value::Int(25),
            Range::closed(Value::Int(1), Value::Int(BULKHEAD_MAX)),
            "Calls allowed in flight at once.",
        ),
        f(
            "max_queue",
            Unit::Count,
            Value::Int(0),
            Range::closed(Value::Int(0), Value::Int(BULKHEAD_MAX)),
            "Callers allowed to wait (FIFO) for a slot; 0 rejects at once when full.",
        ),
        f(
            "max_wait",
            Unit::Duration,
            Value::Nanos(0),
            BOUNDED_DURATION,
            "The wait when the caller gives none; must be 0 without a queue.",
        ),
    ],
};

/// [`BackoffConfig`](crate::backoff::BackoffConfig).
pub const BACKOFF: Surface = Surface {
    primitive: "backoff",
    config: "backoff::BackoffConfig",
    fields: &[
        f(
            "kind",
            Unit::Enum(&["constant", "linear", "exponential"]),
            Value::Name("exponential"),
            Range::ANY,
            "How the un-jittered delay grows with the retry number.",
        ),
        f(
            "base",
            Unit::Duration,
            Value::Nanos(100 * NS_PER_MS),
            BOUNDED_DURATION,
            "The first delay (and the unit of linear growth); 0 retries at once.",
        ),
        f(
            "factor",
            Unit::Number,
            Value::Real(2.0),
            Range::closed(Value::Real(1.0), Value::Unbounded),
            "Growth per retry of the exponential kind (finite).",
        ),
        f(
            "max_delay",
            Unit::Duration,
            Value::Nanos(30 * NS_PER_S),
            Range::closed(Value::Field("base"), Value::Nanos(MAX_NS)),
            "No computed delay exceeds this (a Retry-After hint may).",
        ),
        f(
            "jitter",
            Unit::Enum(&["none", "full", "equal", "proportional", "decorrelated"]),
            Value::Name("full"),
            Range::ANY,
            "How randomness spreads each delay.",
        ),
        f(
            "max_attempts",
            Unit::Count,
            Value::Int(3),
            Range::closed(Value::Int(1), Value::Int(u32::MAX as u64)),
            "Calls in all, the first one included (1 never retries).",
        ),
        opt(
            "max_elapsed",
            Unit::Duration,
            POSITIVE_DURATION,
            "Give up when the next retry would start later than this after the first call.",
        ),
        opt(
            "seed",
            Unit::Seed,
            Range::ANY,
            "Seed of the jitter generator; unset seeds from the clock.",
        ),
    ],
};

/// [`RetryBudgetConfig`](crate::retry_budget::RetryBudgetConfig).
pub const RETRY_BUDGET: Surface = Surface {
    primitive: "retry_budget",
    config: "retry_budget::RetryBudgetConfig",
    fields: &[
        f(
            "max_tokens",
            Unit::Count,
            Value::Int(10),
            Range::closed(Value::Int(1), Value::Int(MAX_TOKENS_LIMIT as u64)),
            "Size of the token bucket; retries stop when it is half empty.",
        ),
        f(
            "token_ratio",
            Unit::Number,
            Value::Real(0.1),
            Range::closed(Value::Real(0.0005), Value::Real(MAX_TOKENS_LIMIT as f64)),
            "Tokens each success gives back, in thousandths (rounded half up).",
        ),
    ],
};

/// [`AdaptiveTimeoutConfig`](crate::adaptive_timeout::AdaptiveTimeoutConfig).
pub const ADAPTIVE_TIMEOUT: Surface = Surface {
    primitive: "adaptive_timeout",
    config: "adaptive_timeout::AdaptiveTimeoutConfig",
    fields: &[
        f(
            "percentile",
            Unit::Ratio,
            Value::Real(0.95),
            RATE_THRESHOLD,
            "The latency percentile to follow.",
        ),
        f(
            "multiplier",
            Unit::Number,
            Value::Real(1.5),
            Range::closed(Value::Real(1.0), Value::Unbounded),
            "Factor applied to the percentile (finite).",
        ),
        f(
            "min_timeout",
            Unit::Duration,
            Value::Nanos(NS_PER_S),
            POSITIVE_DURATION,
            "Lower clamp; at most max_timeout.",
        ),
        f(
            "max_timeout",
            Unit::Duration,
            Value::Nanos(30 * NS_PER_S),
            Range::closed(Value::Field("min_timeout"), Value::Nanos(MAX_NS)),
            "Upper clamp.",
        ),
        f(
            "initial_timeout",
            Unit::Duration,
            Value::Nanos(5 * NS_PER_S),
            Range::closed(Value::Field("min_timeout"), Value::Field("max_timeout")),
            "The timeout until min_samples latencies are known.",
        ),
        f(
            "min_samples",
            Unit::Count,
            Value::Int(10),
            Range::closed(Value::Int(1), Value::Int(MAX_MIN_SAMPLES)),
            "Recent latencies needed before the percentile is used.",
        ),
        f(
            "window",
            Unit::Duration,
            Value::Nanos(30 * NS_PER_S),
            Range::closed(
                Value::Nanos(AT_MIN_WINDOW.as_nanos() as u64),
                Value::Nanos(MAX_NS),
            ),
            "One histogram window; the estimate covers the current and the previous one.",
        ),
    ],
};

/// [`FaultInjectorConfig`](crate::fault::FaultInjectorConfig).
pub const FAULT_INJECTOR: Surface = Surface {
    primitive: "fault_injector",
    config: "fault::FaultInjectorConfig",
    fields: &[
        f(
            "error_rate",
            Unit::Ratio,
            Value::Real(0.0),
            PROBABILITY,
            "Probability of an injected error.",
        ),
        f(
            "delay_rate",
            Unit::Ratio,
            Value::Real(0.0),
            PROBABILITY,
            "Probability of an injected delay; error_rate + delay_rate at most 1.",
        ),
        f(
            "delay_min",
            Unit::Duration,
            Value::Nanos(NS_PER_S),
            BOUNDED_DURATION,
            "Shortest injected delay; at most delay_max.",
        ),
        f(
            "delay_max",
            Unit::Duration,
            Value::Nanos(NS_PER_S),
            Range::closed(Value::Field("delay_min"), Value::Nanos(MAX_NS)),
            "Longest injected delay (inclusive); > 0 when delay_rate > 0.",
        ),
        opt(
            "seed",
            Unit::Seed,
            Range::ANY,
            "Seed of the generator; unset seeds from the clock.",
        ),
        f(
            "enabled",
            Unit::Bool,
            Value::Bool(true),
            Range::ANY,
            "Whether the injector starts switched on.",
        ),
    ],
};

/// `redis::RedisConfig` (the `redis` feature).
pub const REDIS: Surface = Surface {
    primitive: "redis",
    config: "redis::RedisConfig",
    fields: &[
        f(
            "url",
            Unit::Text,
            Value::Required,
            Range::ANY,
            "redis://[user][:password@]host[:port][/db] or unix:///path.sock.",
        ),
        f(
            "deadline",
            Unit::Duration,
            Value::Nanos(50 * NS_PER_MS),
            Range::closed(Value::Nanos(NS_PER_MS), Value::Nanos(60 * NS_PER_S)),
            "Longest a decision waits for Redis, connecting included.",
        ),
        f(
            "on_failure",
            Unit::Enum(&["open", "closed", "local"]),
            Value::Name("local"),
            Range::ANY,
            "What a decision answers when Redis cannot.",
        ),
        f(
            "key_prefix",
            Unit::Text,
            Value::Text("seawall"),
            Range::ANY,
            "Prefix of every key: 1..=128 bytes of ASCII letters, digits and _-.:",
        ),
        f(
            "retry_initial",
            Unit::Duration,
            Value::Nanos(100 * NS_PER_MS),
            POSITIVE_DURATION,
            "First reconnect delay (doubles on each failed probe).",
        ),
        f(
            "retry_max",
            Unit::Duration,
            Value::Nanos(5 * NS_PER_S),
            Range::closed(Value::Field("retry_initial"), Value::Nanos(MAX_NS)),
            "Longest reconnect delay.",
        ),
    ],
};

/// Every table.
pub const ALL: &[Surface] = &[
    CIRCUIT_BREAKER,
    TOKEN_BUCKET,
    SLIDING_WINDOW,
    KEYED_TOKEN_BUCKET,
    KEYED_SLIDING_WINDOW,
    BULKHEAD,
    BACKOFF,
    RETRY_BUDGET,
    ADAPTIVE_TIMEOUT,
    FAULT_INJECTOR,
    REDIS,
];
