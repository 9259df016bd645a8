package org.kernsim.engine;

import java.util.random.RandomGenerator;

/**
 * A delay distribution for one class of link (same CPU, IPI, lock hand-off, wake-up...). {@link
 * #min()} is a hard floor: the smallest floor over the classes a model uses between entities is the
 * simulation's lookahead.
 */
public sealed interface Latency permits Latency.Fixed, Latency.Uniform, Latency.LogNormal {

  long sample(RandomGenerator random);

  long min();

  static Latency fixed(long nanos) {
    return new Fixed(nanos);
  }

  static Latency uniform(long min, long max) {
    return new Uniform(min, max);
  }

  /** Lognormal with the given median, clamped to [min, max]. */
  static Latency logNormal(long median, double sigma, long min, long max) {
    return new LogNormal(median, sigma, min, max);
  }

  record Fixed(long nanos) implements Latency {
    public Fixed {
      if (nanos < 1) throw new IllegalArgumentException("latency must be >= 1 ns: " + nanos);
    }

    @Override
    public long sample(RandomGenerator random) {
      return nanos;
    }

    @Override
    public long min() {
      return nanos;
    }
  }

  record Uniform(long lo, long hi) implements Latency {
    public Uniform {
      if (lo < 1 || hi < lo)
        throw new IllegalArgumentException("bad uniform latency " + lo + ".." + hi);
    }

    @Override
    public long sample(RandomGenerator random) {
      return lo == hi ? lo : lo + random.nextLong(hi - lo + 1);
    }

    @Override
    public long min() {
      return lo;
    }
  }

  record LogNormal(long median, double sigma, long lo, long hi) implements Latency {
    public LogNormal {
      if (lo < 1 || hi < lo || median < 1 || sigma < 0)
        throw new IllegalArgumentException("bad lognormal latency");
    }

    @Override
    public long sample(RandomGenerator random) {
      double x = median * Math.exp(sigma * random.nextGaussian());
      long v = (long) x;
      return v < lo ? lo : Math.min(v, hi);
    }

    @Override
    public long min() {
      return lo;
    }
  }
}
