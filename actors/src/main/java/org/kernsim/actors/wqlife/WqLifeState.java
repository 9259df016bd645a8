package org.kernsim.actors.wqlife;

import static org.kernsim.engine.snapshot.StateRows.row;

import java.util.List;
import org.kernsim.actors.mutex.KMutex;
import org.kernsim.actors.workqueue.PoolLogic;
import org.kernsim.protocol.kryo.KryoRegistry;
import org.kernsim.protocol.wqlife.PwqRef;

/**
 * The life-cycle model's state classes for snapshots (ids 2700-2799): its entities, their pure
 * logic, the mutexes, the checkers, and the configuration objects they point into (the lock-order
 * checker's rows are the engine's, 2912-2919). With the machine's and the workqueue's rows they
 * make the {@code wqlife} simulation's table.
 */
public final class WqLifeState {
  private WqLifeState() {}

  public static final List<KryoRegistry.Entry> ROWS =
      List.of(
          row(2700, WqLifeModel.Sim.class),
          row(2701, WqSpec.class),
          row(2702, WqLoad.class),
          row(2703, AdminScript.class),
          row(2704, AdminScript.Step.class),
          row(2705, AdminScript.Kind.class),
          row(2706, PoolLife.class),
          row(2707, PoolLife.State.class),
          row(2708, PwqLogic.class),
          row(2709, PwqLogic.Pwq.class),
          row(2710, PwqLogic.Queued.class),
          row(2711, UnboundPools.class),
          row(2712, WqPoolMutex.class),
          row(2713, Workqueue.class),
          row(2714, PwqRef[].class),
          row(2715, PwqReleaseWorker.class),
          row(2716, "org.kernsim.actors.wqlife.PwqReleaseWorker$Pc"),
          row(2717, "org.kernsim.actors.wqlife.LifeTask$MutexHost"),
          row(2718, "org.kernsim.actors.wqlife.LifeTask$Wait"),
          row(2719, WqAdmin.class),
          row(2720, "org.kernsim.actors.wqlife.WqAdmin$Pc"),
          row(2721, WqUser.class),
          row(2722, "org.kernsim.actors.wqlife.WqUser$Action"),
          row(2723, "org.kernsim.actors.wqlife.WqUser$Kind"),
          row(2724, NoUseOfFreedPool.class),
          row(2725, NoKworkerOutlivesPool.class),
          row(2726, KMutex.class),
          row(2727, "org.kernsim.actors.mutex.KMutex$Waiter"),
          row(2729, "org.kernsim.actors.workqueue.PoolWorker$AttachHost"),
          row(2730, PoolLogic.Kick.class),
          row(2736, Completions.class),
          row(2737, CompletionWork.class),
          row(2738, "org.kernsim.actors.wqlife.CompletionWork$Pc"),
          row(2739, CompletionWork.Functions.class),
          row(2740, Rescuer.class),
          row(2741, "org.kernsim.actors.wqlife.Rescuer$Pc"),
          row(2742, MemReclaimProgress.class),
          row(2743, WqLifeModel.ItemWorkqueues.class));
}
