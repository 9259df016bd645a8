package org.kernsim.actors.timer;

/**
 * The timer wheel's rounding of a {@code timer_list} expiry: when a timer armed with {@code
 * mod_timer(timer, expires)} actually becomes due. Pure arithmetic in jiffies, no engine.
 *
 * <p>Follows {@code calc_wheel_index()} and {@code calc_index()} of {@code kernel/time/timer.c}
 * (v6.13.7, lines 566-617; the same since the wheel rework of v4.8, 500462a9de65): the wheel has
 * {@code LVL_DEPTH} levels of 64 buckets; level {@code n} has a granularity of {@code 8^n} jiffies
 * and holds timers due between {@code LVL_START(n)} and {@code LVL_START(n+1)} jiffies from the
 * base clock. A timer never fires early: its expiry is rounded <em>up</em> to the next bucket
 * boundary of its level ({@code expires = (expires >> LVL_SHIFT(lvl)) + 1; bucket_expiry = expires
 * << LVL_SHIFT(lvl)}). So {@code IDLE_WORKER_TIMEOUT} (300 s at HZ=1000, delta 300,000 jiffies,
 * level 5, granularity 32,768 jiffies) fires between 0 and 32.768 s late, at a boundary that
 * depends on the absolute jiffies count (which starts at {@code INITIAL_JIFFIES}, {@code
 * include/linux/jiffies.h}: 300 s before the 32-bit wrap).
 */
public final class TimerWheel {
  private TimerWheel() {}

  static final int LVL_CLK_SHIFT = 3;
  static final int LVL_BITS = 6;
  static final long LVL_SIZE = 1L << LVL_BITS;

  /** {@code INITIAL_JIFFIES} on a 64-bit kernel: {@code (unsigned long)(unsigned int)(-300*HZ)}. */
  public static long initialJiffies(int hz) {
    return (-300L * hz) & 0xffff_ffffL;
  }

  /** {@code LVL_DEPTH}: 9 levels when HZ > 100, else 8. */
  static int depth(int hz) {
    return hz > 100 ? 9 : 8;
  }

  static long lvlShift(int n) {
    return (long) n * LVL_CLK_SHIFT;
  }

  /** {@code LVL_START(n)}: the smallest delta held by level {@code n} (n ≥ 1). */
  static long lvlStart(int n) {
    return (LVL_SIZE - 1) << ((n - 1) * LVL_CLK_SHIFT);
  }

  /** The level {@code calc_wheel_index()} puts a timer {@code delta} jiffies ahead in. */
  public static int level(long delta, int hz) {
    int depth = depth(hz);
    for (int n = 1; n < depth; n++) if (delta < lvlStart(n)) return n - 1;
    return depth - 1;
  }

  /**
   * {@code calc_wheel_index()}'s {@code bucket_expiry}: the jiffy at which a timer armed for {@code
   * expires} while the base clock reads {@code clk} becomes due (absolute jiffies, unsigned
   * arithmetic as the kernel's). A timer already due ({@code expires <= clk}) is due at the next
   * jiffy (level 0) — the kernel takes {@code delta} as unsigned, so it lands in the last branch
   * only for a wrapped (negative) delta, which it queues at {@code clk}.
   */
  public static long bucketExpiry(long expires, long clk, int hz) {
    long delta = expires - clk;
    int depth = depth(hz);
    if (delta < 0) return clk; // (long) delta < 0: idx = clk & LVL_MASK, bucket_expiry = clk
    long cutoff = lvlStart(depth);
    if (delta >= cutoff) { // WHEEL_TIMEOUT_CUTOFF: expire at the wheel's capacity limit
      expires = clk + (cutoff - (1L << lvlShift(depth - 1)));
      delta = expires - clk;
    }
    int lvl = level(delta, hz);
    return ((expires >>> lvlShift(lvl)) + 1) << lvlShift(lvl);
  }
}
