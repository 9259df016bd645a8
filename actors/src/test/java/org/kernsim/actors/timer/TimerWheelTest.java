package org.kernsim.actors.timer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code calc_wheel_index()} (v6.13.7 kernel/time/timer.c) and the deferrable idle timer's due. */
class TimerWheelTest {
  private static final int HZ = 1000;

  @Test
  void levelsAreTheKernels() {
    // LVL_START(n) = 63 << 3(n-1): 63, 504, 4032, 32256, 258048, ...
    assertEquals(0, TimerWheel.level(0, HZ));
    assertEquals(0, TimerWheel.level(62, HZ));
    assertEquals(1, TimerWheel.level(63, HZ));
    assertEquals(2, TimerWheel.level(504, HZ));
    assertEquals(4, TimerWheel.level(258_047, HZ));
    assertEquals(5, TimerWheel.level(258_048, HZ));
    assertEquals(5, TimerWheel.level(300_000, HZ)); // IDLE_WORKER_TIMEOUT at HZ=1000
    assertEquals(8, TimerWheel.level(63L << 21, HZ));
  }

  @Test
  void expiryIsRoundedUpToTheNextBucketOfItsLevel() {
    // level 0: expires + 1 (calc_index(): (expires >> 0) + 1)
    assertEquals(1_010, TimerWheel.bucketExpiry(1_010 - 1, 1_000, HZ));
    // level 1 (granularity 8): 1000 + 100 = 1100 -> (1100 >> 3) + 1 = 138 -> 1104
    assertEquals(1_104, TimerWheel.bucketExpiry(1_100, 1_000, HZ));
    // level 5 (granularity 32768): never early, at most one bucket late
    long clk = 123_456_789;
    long exp = clk + 300_000;
    long due = TimerWheel.bucketExpiry(exp, clk, HZ);
    assertTrue(due > exp && due <= exp + 32_768, "due " + due);
    assertEquals(0, due % 32_768);
    // a timer already due: wrapped (negative) delta, queued at clk
    assertEquals(clk, TimerWheel.bucketExpiry(clk - 5, clk, HZ));
  }

  @Test
  void initialJiffiesWrapThirtyTwoBitsAfterFiveMinutes() {
    assertEquals((1L << 32) - 300_000, TimerWheel.initialJiffies(HZ));
  }

  @Test
  void idleTimerArmedAtBootIsDueOneBucketAfterTheWrap() {
    TimerConfig wheel = new TimerConfig(TimerConfig.Wheel.V6_13, -1);
    long jiffy = 1_000_000;
    // armed at virtual 2 ms for jiffy 2 + 300000: INITIAL_JIFFIES + 300002 = 2^32 + 2, whose
    // level-5 bucket ends at 2^32 + 32768, i.e. virtual jiffy 332768
    assertEquals(332_768L * jiffy, wheel.dueNanos(300_002, 2 * jiffy, jiffy));
    // without the wheel: at its expiry
    assertEquals(300_002L * jiffy, TimerConfig.EXACT.dueNanos(300_002, 2 * jiffy, jiffy));
    // another uptime moves the bucket: jiffies 0 at start
    TimerConfig zero = new TimerConfig(TimerConfig.Wheel.V6_13, 0);
    assertEquals(327_680L * jiffy, zero.dueNanos(300_002, 2 * jiffy, jiffy));
  }
}
