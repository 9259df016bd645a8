package org.kernsim.protocol.snapshot;

import java.util.List;
import java.util.Map;
import org.kernsim.protocol.WireMessage;
import org.kernsim.protocol.engine.Event;
import org.kernsim.protocol.engine.MetricsSnapshot;

/**
 * A whole simulation at a window boundary: everything a run needs to go on as if it had never
 * stopped. Every event before {@code resumeNanos} has been delivered and none after it; {@code
 * pending} are the scheduled deliveries (messages and timers), all at or after it.
 *
 * @param format the snapshot format ({@link #FORMAT})
 * @param model the model's name
 * @param settings every effective setting, as text (the simulation is rebuilt from them)
 * @param seed the run seed
 * @param atNanos the virtual time the snapshot was asked for
 * @param resumeNanos where the next window starts (the earliest pending event)
 * @param windows the windows completed before the snapshot
 * @param lastTime the virtual time of the last delivered event (-1: none)
 * @param environment the fingerprint of the simulation's configuration graph (checked on restore)
 * @param entities every entity's state, in id order
 * @param pending the scheduled deliveries, in canonical order
 * @param metrics the entities' counters and histograms so far, merged
 * @param observation the checkers' state and the violations so far (an engine state stream)
 */
public record SimSnapshot(
    int format,
    String model,
    Map<String, String> settings,
    long seed,
    long atNanos,
    long resumeNanos,
    long windows,
    long lastTime,
    long environment,
    List<EntityState> entities,
    List<Event> pending,
    MetricsSnapshot metrics,
    byte[] observation)
    implements WireMessage {

  /** The current format. */
  public static final int FORMAT = 1;

  /**
   * One entity's state.
   *
   * @param id the entity
   * @param delivered the events it processed
   * @param digest the digest of its history so far (null: it processed none)
   * @param state its runtime (random streams, send sequence, timers, digest state) and its logic,
   *     as an engine state stream
   */
  public record EntityState(int id, long delivered, byte[] digest, byte[] state)
      implements WireMessage {}
}
