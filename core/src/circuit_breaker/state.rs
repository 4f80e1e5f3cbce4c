//! The breaker's packed state word and the permit token.
//!
//! The whole state machine lives in one `AtomicU64` so that every transition
//! is one compare-and-swap that also bumps a generation counter: a thread
//! that decided to trip on a stale view simply loses its CAS.
//!
//! Packed state word (bit 0 is the least significant):
//!
//! | bits    | width | field                                                     |
//! |---------|-------|-----------------------------------------------------------|
//! | 0..3    | 3     | state kind: 0 closed, 1 open, 2 half_open, 3 disabled,    |
//! |         |       | 4 forced_open, 5 metrics_only (6, 7 never stored)         |
//! | 3..19   | 16    | half-open `taken` mask: bit i set = probe slot i admitted |
//! | 19..35  | 16    | half-open `succeeded` mask: bit i set = slot i succeeded  |
//! | 35..64  | 29    | generation, +1 (wrapping) on every transition             |
//!
//! Combinations: the two masks are zero in every state except half_open; in
//! half_open, `succeeded` is a subset of `taken`, and only bits below
//! `half_open_max_calls` (at most 16) are ever set. A slot whose bit is in
//! `taken` but not in `succeeded` is a probe in flight; a released probe
//! clears its `taken` bit, so the slot can be admitted again.

use crate::error::{Error, Result};

const KIND_BITS: u32 = 3;
const KIND_MASK: u64 = (1 << KIND_BITS) - 1;
const TAKEN_SHIFT: u32 = 3;
const SUCC_SHIFT: u32 = 19;
const MASK16: u64 = 0xFFFF;
const GEN_SHIFT: u32 = 35;
/// Generations are 29 bits wide and wrap.
pub(crate) const GEN_MASK: u32 = (1 << 29) - 1;
/// Largest `half_open_max_calls` the packed word can hold.
pub const MAX_HALF_OPEN_CALLS: u64 = 16;

/// The breaker's state. Wire names (`as_str`) are used in `spec/vectors`
/// and by every binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum State {
    /// Calls pass; outcomes are recorded and may trip the breaker.
    Closed = 0,
    /// Calls are rejected until the open duration has passed.
    Open = 1,
    /// A limited number of probe calls pass; their outcomes decide.
    HalfOpen = 2,
    /// Every call passes and nothing is recorded.
    Disabled = 3,
    /// Every call is rejected until [`reset`](super::CircuitBreaker::reset).
    ForcedOpen = 4,
    /// Calls pass and outcomes are recorded, but the breaker never trips.
    MetricsOnly = 5,
}

impl State {
    /// Every state, in numeric order.
    pub const ALL: [State; 6] = [
        State::Closed,
        State::Open,
        State::HalfOpen,
        State::Disabled,
        State::ForcedOpen,
        State::MetricsOnly,
    ];

    /// The wire name: `closed`, `open`, `half_open`, `disabled`,
    /// `forced_open`, `metrics_only`.
    pub const fn as_str(self) -> &'static str {
        match self {
            State::Closed => "closed",
            State::Open => "open",
            State::HalfOpen => "half_open",
            State::Disabled => "disabled",
            State::ForcedOpen => "forced_open",
            State::MetricsOnly => "metrics_only",
        }
    }

    /// Parses a wire name; an unknown name is `InvalidConfig` naming `field`.
    pub fn parse(field: &'static str, name: &str) -> Result<State> {
        State::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
            .ok_or_else(|| Error::config(field, format!("unknown state {name:?}")))
    }

    pub(crate) const fn from_code(code: u64) -> Option<State> {
        match code {
            0 => Some(State::Closed),
            1 => Some(State::Open),
            2 => Some(State::HalfOpen),
            3 => Some(State::Disabled),
            4 => Some(State::ForcedOpen),
            5 => Some(State::MetricsOnly),
            _ => None,
        }
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A decoded view of the packed state word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Word(pub(crate) u64);

impl Word {
    pub(crate) const fn new(state: State, generation: u32) -> Word {
        Word((state as u64) | (((generation & GEN_MASK) as u64) << GEN_SHIFT))
    }

    #[inline]
    pub(crate) const fn kind(self) -> u64 {
        self.0 & KIND_MASK
    }

    #[inline]
    pub(crate) fn state(self) -> State {
        // Only codes 0..=5 are ever stored.
        State::from_code(self.kind()).unwrap_or(State::Closed)
    }

    #[inline]
    pub(crate) const fn generation(self) -> u32 {
        (self.0 >> GEN_SHIFT) as u32 & GEN_MASK
    }

    #[inline]
    pub(crate) const fn taken(self) -> u32 {
        ((self.0 >> TAKEN_SHIFT) & MASK16) as u32
    }

    #[inline]
    pub(crate) const fn succeeded(self) -> u32 {
        ((self.0 >> SUCC_SHIFT) & MASK16) as u32
    }

    /// The same state and generation with other masks.
    #[inline]
    pub(crate) const fn with_masks(self, taken: u32, succeeded: u32) -> Word {
        let base = self.0 & !((MASK16 << TAKEN_SHIFT) | (MASK16 << SUCC_SHIFT));
        Word(
            base | (((taken as u64) & MASK16) << TAKEN_SHIFT)
                | (((succeeded as u64) & MASK16) << SUCC_SHIFT),
        )
    }

    /// The word a transition from `self` to `state` installs (next
    /// generation, empty masks).
    #[inline]
    pub(crate) const fn next(self, state: State) -> Word {
        Word::new(state, self.generation().wrapping_add(1))
    }
}

/// Permission to make one call, returned by
/// [`try_acquire`](super::CircuitBreaker::try_acquire).
///
/// A plain `Copy` token (no borrow of the breaker), so C, Python and Node can
/// hold it as one integer ([`to_bits`](Permit::to_bits) /
/// [`from_bits`](Permit::from_bits)). Finish each permit once: with
/// [`record`](super::CircuitBreaker::record) (or `record_success` /
/// `record_failure` / `record_ignored`) or with
/// [`release`](super::CircuitBreaker::release) when the call never produced
/// an outcome. A permit remembers the generation of the state that issued it;
/// once the breaker has made a transition, the permit is *stale*: recording it
/// still counts in the lifetime counters of [`Metrics`](super::Metrics) but
/// never changes the state or the windows.
///
/// Finishing a probe twice is harmless while its slot is still its own
/// (a succeeded or released slot ignores further outcomes), but once a
/// released slot has been admitted again, the new probe carries the same
/// bits: the old token would then finish the new probe. Finish each permit
/// exactly once.
///
/// Permit bits: `0..3` state kind at admission, `3..8` half-open probe slot,
/// `8..37` generation.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Permit {
    /// The permit bits (layout above), always canonical: built by `new` or
    /// masked by `from_bits`. One integer rather than three fields, so that
    /// building a permit and passing it back is one register, not three
    /// narrow stores read back as one wide load (which defeats the CPU's
    /// store forwarding and cost more than the rest of a closed call).
    bits: u64,
}

const PERMIT_SLOT_SHIFT: u32 = 3;
const PERMIT_SLOT_MASK: u64 = 0x1F;
const PERMIT_GEN_SHIFT: u32 = 8;

impl Permit {
    #[inline]
    pub(crate) const fn new(state: State, slot: u8, generation: u32) -> Permit {
        Permit::from_bits(
            (state as u64)
                | ((slot as u64) << PERMIT_SLOT_SHIFT)
                | (((generation & GEN_MASK) as u64) << PERMIT_GEN_SHIFT),
        )
    }

    /// The state kind code at admission (`0..8`).
    #[inline]
    pub(crate) const fn kind(self) -> u8 {
        (self.bits & KIND_MASK) as u8
    }

    /// The half-open probe slot (`0..32`).
    #[inline]
    pub(crate) const fn slot(self) -> u8 {
        ((self.bits >> PERMIT_SLOT_SHIFT) & PERMIT_SLOT_MASK) as u8
    }

    /// The generation of the state that issued this permit.
    #[inline]
    pub const fn generation(self) -> u32 {
        (self.bits >> PERMIT_GEN_SHIFT) as u32 & GEN_MASK
    }

    /// The state that issued this permit (closed, half_open, disabled or
    /// metrics_only), or `None` for bits that no breaker issued.
    pub const fn state(self) -> Option<State> {
        State::from_code(self.kind() as u64)
    }

    /// Whether this permit is a half-open probe.
    pub const fn is_probe(self) -> bool {
        self.kind() == State::HalfOpen as u8
    }

    /// The permit as one integer, for bindings.
    pub const fn to_bits(self) -> u64 {
        self.bits
    }

    /// A permit from [`to_bits`](Permit::to_bits). Any integer is accepted;
    /// bits no breaker issued are treated as a stale permit.
    #[inline]
    pub const fn from_bits(bits: u64) -> Permit {
        Permit {
            bits: bits
                & (KIND_MASK
                    | (PERMIT_SLOT_MASK << PERMIT_SLOT_SHIFT)
                    | ((GEN_MASK as u64) << PERMIT_GEN_SHIFT)),
        }
    }
}

impl std::fmt::Debug for Permit {
    /// The same form as before the fields were packed:
    /// `Permit { kind: 0, slot: 0, generation: 7 }`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Permit")
            .field("kind", &self.kind())
            .field("slot", &self.slot())
            .field("generation", &self.generation())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_round_trips() {
        let w = Word::new(State::HalfOpen, GEN_MASK).with_masks(0xFFFF, 0x00F0);
        assert_eq!(w.state(), State::HalfOpen);
        assert_eq!(w.generation(), GEN_MASK);
        assert_eq!(w.taken(), 0xFFFF);
        assert_eq!(w.succeeded(), 0x00F0);
        let n = w.next(State::Closed);
        assert_eq!(n.generation(), 0, "generation wraps");
        assert_eq!((n.taken(), n.succeeded()), (0, 0));
        assert_eq!(n.state(), State::Closed);
    }

    #[test]
    fn permit_bits_round_trip() {
        let p = Permit::new(State::HalfOpen, 15, 123_456);
        assert_eq!(Permit::from_bits(p.to_bits()), p);
        assert!(p.is_probe());
        assert_eq!(Permit::from_bits(7).state(), None);
    }

    #[test]
    fn state_names_round_trip() {
        for s in State::ALL {
            assert_eq!(State::parse("state", s.as_str()).ok(), Some(s));
        }
        assert_eq!(
            State::parse("state", "ajar").err().and_then(|e| e.field()),
            Some("state")
        );
    }
}
