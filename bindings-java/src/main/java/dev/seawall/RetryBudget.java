package dev.seawall;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

/** gRPC-style retry throttling (gRFC A6): "may this retry be sent at all?". Reads no clock. */
public final class RetryBudget extends Handle {
  private RetryBudget(Pointer p) {
    super(p, "retry budget");
  }

  /** A builder starting from the core's default (10 tokens, 0.1 per success). */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a retry budget. */
  public static final class Builder {
    private final Lib.RetryBudgetConfig c = Lib.init(new Lib.RetryBudgetConfig(), Lib.C::seawall_retry_budget_config_init);

    private final SharedRegion.Place place = new SharedRegion.Place();

    private Builder() {}

    /** Builds it in {@code region} under {@code name}, one state for all who do ({@link SharedRegion}). */
    public Builder region(SharedRegion region, String name) {
      place.set(region, name);
      return this;
    }

    /** Size of the bucket; retries stop when it is half empty (1..=1000000). */
    public Builder maxTokens(int n) {
      c.max_tokens = n;
      return this;
    }

    /** Tokens each success gives back. */
    public Builder tokenRatio(double r) {
      c.token_ratio = r;
      return this;
    }

    public RetryBudget build() {
      PointerByReference out = new PointerByReference();
      Err.check(place.region == null
          ? Lib.C.seawall_retry_budget_new(c, out)
          : Lib.C.seawall_retry_budget_new_in_region(c, place.region.ptr(), place.name(), out));
      return new RetryBudget(out.getValue());
    }
  }

  /** Records a failed attempt and asks for a retry: true = send it. */
  public boolean tryRetry() {
    int st = Lib.C.seawall_retry_budget_try_retry(ptr());
    if (st == ErrorKind.RETRY_BUDGET_EXHAUSTED.code()) {
      return false;
    }
    Err.check(st);
    return true;
  }

  /** Records a failed attempt that will not be retried anyway. */
  public void recordFailure() {
    Err.check(Lib.C.seawall_retry_budget_record_failure(ptr()));
  }

  /** Records a success. */
  public void recordSuccess() {
    Err.check(Lib.C.seawall_retry_budget_record_success(ptr()));
  }

  /** A snapshot (tokens in thousandths). */
  public record Metrics(long tokensMilli, long maxTokensMilli, long thresholdMilli, long retriesAllowed,
      long retriesDenied, long successes, long failures) {}

  public Metrics metrics() {
    Lib.RetryBudgetMetrics m = new Lib.RetryBudgetMetrics();
    Err.check(Lib.C.seawall_retry_budget_get_metrics(ptr(), m));
    return new Metrics(m.tokens_milli, m.max_tokens_milli, m.threshold_milli, m.retries_allowed, m.retries_denied,
        m.successes, m.failures);
  }

  @Override
  void free(Pointer p) {
    Lib.C.seawall_retry_budget_free(p);
  }
}
