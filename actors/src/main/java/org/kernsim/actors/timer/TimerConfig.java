package org.kernsim.actors.timer;

import java.util.List;

/**
 * How the models' {@code timer_list} timers become due ({@code timer.wheel}).
 *
 * @param wheel the version of the timer code
 * @param jiffiesAtStart the absolute {@code jiffies} at virtual time 0 (the wheel's buckets are
 *     aligned on absolute jiffies); -1: {@code INITIAL_JIFFIES}, i.e. the run starts at boot
 */
public record TimerConfig(Wheel wheel, long jiffiesAtStart) {

  /** The model before the timer wheel: every timer fires at its expiry. */
  public static final TimerConfig EXACT = new TimerConfig(Wheel.EXACT, -1);

  /** The version of {@code kernel/time/timer.c}. */
  public enum Wheel {
    /**
     * Not a kernel: a timer fires exactly at its {@code expires}, and a deferrable timer is not
     * deferred (the model before timer.wheel existed; the default, so the built-in scenarios keep
     * their hashes).
     */
    EXACT("exact"),
    /**
     * v6.13.7: {@code calc_wheel_index()}'s rounding up to the level's bucket ({@link
     * TimerWheel#bucketExpiry}); a {@code TIMER_DEFERRABLE} timer is queued on the arming CPU's
     * {@code BASE_DEF} ({@code get_timer_this_cpu_base()}, {@code __mod_timer()}, local since
     * v6.9), never wakes an idle CPU ({@code trigger_dyntick_cpu()}), and runs from that CPU's
     * timer softirq at its next tick ({@code run_local_timers()}, {@code run_timer_softirq()}).
     */
    V6_13("v6.13");

    private final String key;

    Wheel(String key) {
      this.key = key;
    }

    public String key() {
      return key;
    }

    public static List<String> keys() {
      return List.of(EXACT.key, V6_13.key);
    }

    public static Wheel of(String key) {
      for (Wheel w : values()) if (w.key.equals(key)) return w;
      throw new IllegalArgumentException("unknown timer.wheel " + key);
    }
  }

  public boolean exact() {
    return wheel == Wheel.EXACT;
  }

  /** The absolute jiffies at virtual time 0 for a kernel of {@code hz}. */
  public long jiffiesAtStart(int hz) {
    return jiffiesAtStart >= 0 ? jiffiesAtStart : TimerWheel.initialJiffies(hz);
  }

  /**
   * When a timer armed at virtual time {@code nowNanos} for relative jiffy {@code expires} (jiffies
   * counted from virtual time 0, as the models count them) becomes due, in nanoseconds of virtual
   * time: {@code expires} itself without the wheel, else its bucket's expiry.
   */
  public long dueNanos(long expires, long nowNanos, long jiffyNanos) {
    if (exact()) return expires * jiffyNanos;
    int hz = (int) Math.max(1, 1_000_000_000L / jiffyNanos);
    long base = jiffiesAtStart(hz);
    long clk = base + nowNanos / jiffyNanos;
    long bucket = TimerWheel.bucketExpiry(base + expires, clk, hz);
    return (bucket - base) * jiffyNanos;
  }
}
