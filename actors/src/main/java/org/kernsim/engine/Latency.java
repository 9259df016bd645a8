package org.kernsim.engine;

import java.util.random.RandomGenerator;

/**
 * A delay distribution for one class of link (same CPU, IPI, lock hand-off, wake-up...). {@link
 * #min()} is a hard floor: the smallest floor over the classes a model uses between entities is the
 * simulation's lookahead.
 */
public sealed interface Latency permits Latency.Fixed, Latency.Uniform, Latency.LogNormal {

  /**
   * A delay of this class. Drawn from {@code random} — unless {@code random} is a {@link Chooser}
   * (an exploration strategy's view of an entity's stream), which then picks the value, always
   * within {@code [min(), max()]}: a strategy never makes a delay the class cannot have.
   */
  default long sample(RandomGenerator random) {
    if (random instanceof Chooser c) {
      long v = c.choose(this);
      if (v < min() || v > max())
        throw new IllegalStateException("a strategy chose " + v + " ns outside " + this);
      return v;
    }
    return draw(random);
  }

  /** A delay drawn from this class's distribution. */
  long draw(RandomGenerator random);

  /** The smallest delay of this class (a hard floor). */
  long min();

  /** The largest delay of this class (a hard ceiling). */
  long max();

  /** Picks the delays of an entity whose stream it is (see {@link #sample}). */
  interface Chooser {
    long choose(Latency latency);
  }

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
    public long draw(RandomGenerator random) {
      return nanos;
    }

    @Override
    public long min() {
      return nanos;
    }

    @Override
    public long max() {
      return nanos;
    }
  }

  record Uniform(long lo, long hi) implements Latency {
    public Uniform {
      if (lo < 1 || hi < lo)
        throw new IllegalArgumentException("bad uniform latency " + lo + ".." + hi);
    }

    @Override
    public long draw(RandomGenerator random) {
      return lo == hi ? lo : lo + random.nextLong(hi - lo + 1);
    }

    @Override
    public long min() {
      return lo;
    }

    @Override
    public long max() {
      return hi;
    }
  }

  record LogNormal(long median, double sigma, long lo, long hi) implements Latency {
    public LogNormal {
      if (lo < 1 || hi < lo || median < 1 || sigma < 0)
        throw new IllegalArgumentException("bad lognormal latency");
    }

    @Override
    public long draw(RandomGenerator random) {
      double x = median * Math.exp(sigma * random.nextGaussian());
      long v = (long) x;
      return v < lo ? lo : Math.min(v, hi);
    }

    @Override
    public long min() {
      return lo;
    }

    @Override
    public long max() {
      return hi;
    }
  }
}
