package org.kernsim.actors.workqueue;

import java.util.List;

/**
 * How {@code kick_pool()} treats the worker it picks ({@code workqueue.kick}), spec C.7.
 *
 * <ul>
 *   <li>{@code original}: mainline before the fix: the picked worker stays on {@code idle_list}
 *       with WORKER_IDLE and is woken under {@code pool->lock};
 *   <li>{@code deferred-wake}: v1 PATCH 2/2 (26 May 2026): the wake-up in {@code __queue_work()}
 *       and {@code process_one_work()} is sent after the unlock; in {@code process_one_work()} the
 *       code between the unlock and the wake is preemptible;
 *   <li>{@code claim}: the seed's fix (f0a524a156b7): {@code worker_leave_idle()} in {@code
 *       kick_pool()} before the wake, under the lock;
 *   <li>{@code claim+deferred-wake}: the fix on top of v1 2/2;
 *   <li>{@code kicked-list}: v2 1/4 + 3/4 + 4/4 (3 June 2026): the picked worker is parked on
 *       {@code pool->kicked_list} (keeps WORKER_IDLE, counted in {@code nr_idle}, invisible to the
 *       cull), and the two hot paths wake through a {@code wake_q} after {@code
 *       raw_spin_unlock*_wake()}, with preemption disabled up to the wake.
 * </ul>
 */
public enum KickVariant {
  ORIGINAL("original", false, false, false, false),
  DEFERRED_WAKE("deferred-wake", false, true, false, true),
  CLAIM("claim", true, false, false, false),
  CLAIM_DEFERRED_WAKE("claim+deferred-wake", true, true, false, true),
  KICKED_LIST("kicked-list", false, true, true, false);

  public final String key;
  private final boolean claims;
  private final boolean defers;
  private final boolean parks;
  private final boolean preemptibleDeferral;

  KickVariant(
      String key, boolean claims, boolean defers, boolean parks, boolean preemptibleDeferral) {
    this.key = key;
    this.claims = claims;
    this.defers = defers;
    this.parks = parks;
    this.preemptibleDeferral = preemptibleDeferral;
  }

  /** {@code kick_pool()} calls {@code worker_leave_idle()} on the picked worker. */
  public boolean claims() {
    return claims;
  }

  /** The wake-up in {@code __queue_work()} and {@code process_one_work()} follows the unlock. */
  public boolean defers() {
    return defers;
  }

  /** The picked worker moves to {@code pool->kicked_list}. */
  public boolean parks() {
    return parks;
  }

  /**
   * Whether {@code process_one_work()} can be preempted between the unlock and the deferred wake.
   */
  public boolean preemptibleDeferral() {
    return preemptibleDeferral;
  }

  /** Whether the variant is one of the fixes (the kicked worker cannot be culled). */
  public boolean fixed() {
    return claims || parks;
  }

  public static List<String> keys() {
    return java.util.Arrays.stream(values()).map(v -> v.key).toList();
  }

  public static KickVariant of(String key) {
    for (KickVariant v : values()) if (v.key.equals(key)) return v;
    throw new IllegalArgumentException("unknown workqueue.kick " + key);
  }
}
