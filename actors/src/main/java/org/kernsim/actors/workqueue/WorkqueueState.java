package org.kernsim.actors.workqueue;

import static org.kernsim.engine.snapshot.StateRows.row;

import java.util.List;
import org.kernsim.protocol.kryo.KryoRegistry;

/**
 * The workqueue model's state classes for snapshots (ids 2100-2299): pools, kworkers, the workload,
 * the checkers, and the configuration objects they point into.
 */
public final class WorkqueueState {
  private WorkqueueState() {}

  /** What the workqueue promises, for the liveness phase: every queued work item runs. */
  public static final List<org.kernsim.engine.Obligation> OBLIGATIONS =
      List.of(
          new org.kernsim.engine.Obligation(
              "queued work item",
              org.kernsim.protocol.workqueue.WqNote.WorkQueued.class,
              org.kernsim.protocol.workqueue.WqNote.WorkCompleted.class,
              (r, p) ->
                  p instanceof org.kernsim.protocol.workqueue.WqNote.WorkQueued q
                      ? q.item()
                      : ((org.kernsim.protocol.workqueue.WqNote.WorkCompleted) p).item()));

  public static final List<KryoRegistry.Entry> ROWS =
      List.of(
          row(2100, WqTopology.class),
          row(2101, WqConfig.class),
          row(2102, KickVariant.class),
          row(2103, Workload.class),
          row(2104, WorkerPool.class),
          row(2105, PoolLogic.class),
          row(2106, PoolLogic.Worker.class),
          row(2107, PoolLogic.Worker[].class),
          row(2108, PoolLogic.SlotState.class),
          row(2109, PoolWorker.class),
          row(2110, "org.kernsim.actors.workqueue.PoolWorker$Pc"),
          row(2111, "org.kernsim.actors.workqueue.PoolWorker$FnWait"),
          row(2112, "org.kernsim.actors.workqueue.PoolWorker$FnHost"),
          row(2113, Kicker.class),
          row(2114, Kicker.Script.class),
          row(2115, "org.kernsim.actors.workqueue.Kicker$Kind"),
          row(2116, Hog.class),
          row(2117, WorkerFlag.class),
          row(2118, NoKickedWorkerCulled.class),
          row(2119, NoStrandedWork.class),
          row(2120, NoWakeOfReapedWorker.class),
          row(2121, W3Progress.class),
          row(2122, W7Pending.class),
          row(2123, WorkqueueModel.WqSimulation.class),
          // a kworker's wq_pool_attach_mutex client (null unless the layout has the mutex)
          row(2124, org.kernsim.actors.mutex.MutexClient.class),
          row(2125, org.kernsim.protocol.workqueue.WorkItem[].class),
          // a workload thread's script, drawn a window at a time (ids 2400-2419: session mem)
          row(2400, ScriptDrawer.class));
}
