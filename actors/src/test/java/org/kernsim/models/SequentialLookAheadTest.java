package org.kernsim.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.actor.ActorDriver;
import org.kernsim.scenario.Scenario;

/**
 * With {@link SequentialDriver#LOOK_AHEAD_ENTITIES} entities or more the sequential driver reads
 * each next event's data ahead while it delivers the current one. That must change nothing: the
 * same run as the actor driver (which never reads ahead), and the same run resumed from snapshots
 * (entities not yet restored when their event is next in line are skipped, never restored early).
 * Beyond {@code CalendarHeap.SWITCH} pending events it reads a whole bucket ahead when the calendar
 * makes it current: the same two checks.
 */
class SequentialLookAheadTest {

  private static final List<String> SETS =
      List.of(
          "phold.entities=" + SequentialDriver.LOOK_AHEAD_ENTITIES,
          "phold.population=2",
          "phold.ttl=4",
          "phold.mean-extra=3us");

  /** 8,192 events pending: the calendar starts, and each bucket it makes current is read ahead. */
  private static final List<String> CALENDAR =
      List.of(
          "phold.entities=" + SequentialDriver.LOOK_AHEAD_ENTITIES,
          "phold.population=16",
          "phold.ttl=3",
          "phold.mean-extra=3us");

  @Test
  void readingAheadChangesNoRun() {
    sameRunOnEveryPath(SETS, 11, "2us", "9us");
  }

  @Test
  void readingAWholeBucketAheadChangesNoRun() {
    sameRunOnEveryPath(CALENDAR, 5, "2us", "7us");
  }

  /** The sequential run equals the actor driver's, and the same run resumed from snapshots. */
  private static void sameRunOnEveryPath(List<String> sets, long seed, String... snapshotsAt) {
    Scenario s = Models.load("phold", sets);
    RunOptions o = RunOptions.of(seed, s.until());
    assertEquals(
        ActorDriver.run(s.build(), o, 2).traceSha256(),
        SequentialDriver.run(s.build(), o).traceSha256());
    SnapshotTest.sameRun("phold", sets, seed, snapshotsAt);
  }
}
