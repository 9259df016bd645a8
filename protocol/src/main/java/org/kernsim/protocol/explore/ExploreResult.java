package org.kernsim.protocol.explore;

import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.kernsim.protocol.WireMessage;

/** What explore workers tell the node that coordinates an exploration. */
public sealed interface ExploreResult extends WireMessage
    permits ExploreResult.Ready,
        ExploreResult.Failed,
        ExploreResult.BatchDone,
        ExploreResult.Local {

  /** {@code worker} (at {@code address}) is ready and runs {@code slots} batches at once. */
  record Ready(String exploreId, ActorRef<ExploreWork> worker, String address, int slots)
      implements ExploreResult {}

  /** {@code worker} could not set the exploration up, or a schedule failed there. */
  record Failed(String exploreId, ActorRef<ExploreWork> worker, String address, String reason)
      implements ExploreResult {}

  /** Batch {@code [from, to)} is done; {@code partial} is what its schedules produced. */
  record BatchDone(
      String exploreId, ActorRef<ExploreWork> worker, long from, long to, Partial partial)
      implements ExploreResult {}

  /**
   * The folded results of a batch: schedules run, events, the violating schedules, each latency
   * histogram merged over the batch and each metric's per-schedule histogram (HdrHistogram's
   * compressed encoding), counters' totals, the abstract states and transitions reached (with
   * {@code --coverage}), the time spent on forked prefixes, and with swarm testing the schedules
   * and violating schedules per subset of the fault plan (by the subset's name).
   */
  record Partial(
      long run,
      long events,
      long prefixMillis,
      List<ExploreWork.Violating> violating,
      Map<String, byte[]> latencies,
      Map<String, byte[]> perSchedule,
      Map<String, Long> totals,
      Map<String, Long> negatives,
      long[] states,
      long[] transitions,
      Map<String, Long> swarmSchedules,
      Map<String, Long> swarmViolating) {}

  /** Messages that never leave the coordinator's node. */
  non-sealed interface Local extends ExploreResult {}
}
