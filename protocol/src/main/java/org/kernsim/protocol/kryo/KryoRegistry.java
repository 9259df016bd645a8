package org.kernsim.protocol.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.util.DefaultClassResolver;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.kernsim.protocol.cluster.ClusterRunCommand;
import org.kernsim.protocol.cluster.NodeCommand;
import org.kernsim.protocol.cpu.CpuMessage;
import org.kernsim.protocol.cpu.CpuNote;
import org.kernsim.protocol.cpu.SegmentDone;
import org.kernsim.protocol.cpu.WakeUp;
import org.kernsim.protocol.engine.CoordinatorCommand;
import org.kernsim.protocol.engine.EntityCommand;
import org.kernsim.protocol.engine.Event;
import org.kernsim.protocol.engine.FaultInjected;
import org.kernsim.protocol.engine.MetricsSnapshot;
import org.kernsim.protocol.engine.PartitionCommand;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.phold.Hop;
import org.kernsim.protocol.rcu.RcuMessage;
import org.kernsim.protocol.stopmachine.StopMachineMessage;

/**
 * The table of Kryo class ids: every class that may cross nodes, with a fixed id (≥ 20, the same on
 * every node because it is this code), registration required. Records and enums use Kryo's record
 * and enum serializers; ActorRefs, events, arrays and JDK collections have their own, which check
 * every length they read against the bytes left of the frame (see {@link WireLimits}).
 *
 * <p>Adding a message class is one line in its package's id range. {@code KryoCoverageTest} fails,
 * naming the class, when a {@code WireMessage} of the protocol module (or a record or enum it
 * contains) is missing here.
 *
 * <pre>
 *   20- 99  Pekko refs, JDK collections and arrays
 *  100-149  engine (partitions, coordinator, entities, trace records)
 *  150-199  cluster (node engines, cluster runs; 160-179 explorations over the cluster)
 *  200-249  cpu          250-299  rcu          300-349  stopmachine    350-399  phold
 *  400-499  workqueue    500-599  kprobes      700-799  kprobes (patching eras)
 *  600-699  hotplug
 * 1200-1219  sched (placement, deferrable timers)
 * 1220-1249  hotplug26 (v2.6.36-v2.6.38 CPU hotplug in a kprobes run; 1280-1289 its random plan;
 *            1290-1299 the writer's stopper view as a round trip)
 *  800-849  lockdep      850-899  snapshots (the records; an entity's state inside is an
 *           engine state stream with its own table, 2000-2999: Simulation.stateClasses())
 *  900-949  the cluster's admission (token proofs) and node-loss recovery (snapshot pieces,
 *           restore shares)
 *  (other ranges as the lead assigns them)
 * 1000-1009 mutex      1010-1099 wqlife (pool and pwq life cycle)
 * </pre>
 */
public final class KryoRegistry {
  private KryoRegistry() {}

  /** The lowest id kernsim uses (Kryo keeps 0-8 for primitives and String, and we leave a gap). */
  public static final int FIRST_ID = 20;

  /** One row of the table. */
  public record Entry(int id, Class<?> type) {}

  private static Entry e(int id, Class<?> type) {
    return new Entry(id, type);
  }

  /** The table. Never change or reuse an id; add new rows in the owning package's range. */
  public static final List<Entry> TABLE =
      List.of(
          // ---------------------------------------------------------------- 20-99: Pekko, JDK
          e(20, ActorRef.class), // every implementation (see ActorRefAwareClassResolver)
          e(21, ArrayList.class),
          e(22, LinkedList.class),
          e(23, List.of().getClass()), // ImmutableCollections.ListN
          e(24, List.of(1).getClass()), // ImmutableCollections.List12
          e(25, Arrays.asList().getClass()), // Arrays$ArrayList
          e(26, Collections.emptyList().getClass()),
          e(27, Collections.singletonList(1).getClass()),
          e(28, Collections.unmodifiableList(new ArrayList<>()).getClass()),
          e(29, Collections.unmodifiableList(new LinkedList<>()).getClass()),
          e(30, HashMap.class),
          e(31, LinkedHashMap.class),
          e(32, TreeMap.class),
          e(33, Map.of().getClass()), // ImmutableCollections.MapN
          e(34, Map.of(1, 1).getClass()), // ImmutableCollections.Map1
          e(35, Collections.emptyMap().getClass()),
          e(36, Collections.unmodifiableMap(new HashMap<>()).getClass()),
          e(37, Collections.unmodifiableSortedMap(new TreeMap<>()).getClass()),
          e(38, HashSet.class),
          e(39, LinkedHashSet.class),
          e(40, TreeSet.class),
          e(41, Set.of().getClass()), // ImmutableCollections.SetN
          e(42, Set.of(1).getClass()), // ImmutableCollections.Set12
          e(43, Collections.emptySet().getClass()),
          e(44, Collections.singletonMap(1, 1).getClass()),
          e(45, Collections.singleton(1).getClass()),
          e(60, int[].class),
          e(61, long[].class),
          e(62, byte[].class),
          e(63, boolean[].class),
          e(64, double[].class),
          e(65, String[].class),
          e(66, Object[].class),
          e(67, short[].class),
          e(68, char[].class),
          e(69, float[].class),
          // ---------------------------------------------------------------- 100-149: engine
          e(100, Event.class),
          e(101, PartitionCommand.Peers.class),
          e(102, PartitionCommand.StartWindow.class),
          e(103, PartitionCommand.Batch.class),
          e(104, PartitionCommand.Collect.class),
          e(105, PartitionCommand.Abort.class),
          e(106, CoordinatorCommand.PartitionReady.class),
          e(107, CoordinatorCommand.WindowDone.class),
          e(108, CoordinatorCommand.PartitionCollected.class),
          e(109, CoordinatorCommand.PartitionFailed.class),
          e(110, MetricsSnapshot.class),
          e(111, TraceRecord.Delivered.class),
          e(112, TraceRecord.Note.class),
          e(113, TraceRecord.Violation.class),
          e(114, EntityCommand.Attach.class),
          e(115, FaultInjected.class),
          e(116, CoordinatorCommand.Progress.class),
          // ---------------------------------------------------------------- 150-199: cluster
          e(150, NodeCommand.SetupRun.class),
          e(151, NodeCommand.EndRun.class),
          e(152, ClusterRunCommand.NodeReady.class),
          e(153, ClusterRunCommand.SetupFailed.class),
          // explorations spread over the cluster (org.kernsim.protocol.explore): 160-179
          e(160, org.kernsim.protocol.explore.ExploreWork.Open.class),
          e(161, org.kernsim.protocol.explore.ExploreWork.Batch.class),
          e(162, org.kernsim.protocol.explore.ExploreWork.StopAbove.class),
          e(163, org.kernsim.protocol.explore.ExploreWork.Close.class),
          e(164, org.kernsim.protocol.explore.ExploreWork.Violating.class),
          e(165, org.kernsim.protocol.explore.ExploreResult.Ready.class),
          e(166, org.kernsim.protocol.explore.ExploreResult.Failed.class),
          e(167, org.kernsim.protocol.explore.ExploreResult.BatchDone.class),
          e(168, org.kernsim.protocol.explore.ExploreResult.Partial.class),
          // ---------------------------------------------------------------- 200-249: cpu
          e(200, CpuMessage.Enqueue.class),
          e(201, CpuMessage.Release.class),
          e(202, CpuMessage.Dispatch.class),
          e(203, CpuMessage.Preempt.class),
          e(204, CpuMessage.TaskQuiescent.class),
          e(205, CpuMessage.PreemptCheck.class),
          e(206, CpuMessage.ReleaseKind.class),
          e(207, CpuNote.Switch.class),
          e(208, CpuNote.StopperEntered.class),
          e(209, CpuNote.StopperLeft.class),
          e(210, CpuNote.TaskBlocked.class),
          e(211, CpuNote.TaskWoken.class),
          e(212, CpuNote.WakeIgnored.class),
          e(213, CpuNote.TaskExited.class),
          e(214, SegmentDone.class),
          e(215, WakeUp.class),
          e(216, CpuMessage.InjectedPreemption.class),
          e(217, CpuMessage.StolenTimeEnd.class),
          e(218, CpuNote.TimeStolen.class),
          e(219, CpuMessage.DispatchPush.class),
          e(220, CpuMessage.MigrateTask.class),
          e(221, CpuMessage.SetCpusAllowed.class),
          e(222, CpuMessage.EnqueueWith.class),
          // placement and deferrable timers (org.kernsim.protocol.sched): 1200-1219
          e(1200, org.kernsim.protocol.sched.SchedMessage.SelectIdle.class),
          // engine: free rounds between the coordinator's sync points (ADR 007)
          e(1250, PartitionCommand.RunFree.class),
          e(1251, PartitionCommand.RoundSummary.class),
          // engine: speculative rounds (ADR 108)
          e(1252, PartitionCommand.Speculate.class),
          e(1253, PartitionCommand.Settle.class),
          e(1254, CoordinatorCommand.Speculated.class),
          e(1201, org.kernsim.protocol.sched.SchedMessage.DeferrableTimer.class),
          e(1202, org.kernsim.protocol.sched.SchedMessage.TimerSoftirq.class),
          e(1203, org.kernsim.protocol.sched.SchedMessage.Irq.class),
          e(1204, org.kernsim.protocol.sched.SchedMessage.IrqArrival.class),
          // ---------------------------------------------------------------- 250-299: rcu
          e(250, RcuMessage.SynchronizeSched.class),
          e(251, RcuMessage.QsRequest.class),
          e(252, RcuMessage.QsReport.class),
          e(253, RcuMessage.GracePeriodDone.class),
          e(254, RcuMessage.StartGracePeriod.class),
          // ---------------------------------------------------------------- 300-349: stopmachine
          e(300, StopMachineMessage.StopMachineRequest.class),
          e(301, StopMachineMessage.StopWork.class),
          e(302, StopMachineMessage.PhaseChanged.class),
          e(303, StopMachineMessage.PhaseAcked.class),
          e(304, StopMachineMessage.StopFnCall.class),
          e(305, StopMachineMessage.StopFnDone.class),
          e(306, StopMachineMessage.StopMachineDone.class),
          e(307, StopMachineMessage.StopPhase.class),
          e(308, StopMachineMessage.StopMachineCpuslocked.class),
          e(309, StopMachineMessage.StopWorkOn.class),
          // ---------------------------------------------------------------- 350-399: phold
          e(350, Hop.class),
          // ---------------------------------------------------------------- 400-499: workqueue
          e(400, org.kernsim.protocol.workqueue.DyingWorker.class),
          e(401, org.kernsim.protocol.workqueue.PoolReply.BecomeManager.class),
          e(402, org.kernsim.protocol.workqueue.PoolReply.CreateResult.class),
          e(403, org.kernsim.protocol.workqueue.PoolReply.CullList.class),
          e(404, org.kernsim.protocol.workqueue.PoolReply.Die.class),
          e(405, org.kernsim.protocol.workqueue.PoolReply.Execute.class),
          e(406, org.kernsim.protocol.workqueue.PoolReply.GoIdle.class),
          e(407, org.kernsim.protocol.workqueue.PoolReply.Queued.class),
          e(408, org.kernsim.protocol.workqueue.PoolReply.SleepingDone.class),
          e(409, org.kernsim.protocol.workqueue.PoolRequest.CreateWorker.class),
          e(410, org.kernsim.protocol.workqueue.PoolRequest.IdleCullPass.class),
          e(411, org.kernsim.protocol.workqueue.PoolRequest.IdleTimerFired.class),
          e(412, org.kernsim.protocol.workqueue.PoolRequest.ManagerDone.class),
          e(413, org.kernsim.protocol.workqueue.PoolRequest.MaydayTimerFired.class),
          e(414, org.kernsim.protocol.workqueue.PoolRequest.PendingCleared.class),
          e(415, org.kernsim.protocol.workqueue.PoolRequest.QueueContext.class),
          e(416, org.kernsim.protocol.workqueue.PoolRequest.QueueWork.class),
          e(417, org.kernsim.protocol.workqueue.PoolRequest.WorkDone.class),
          e(418, org.kernsim.protocol.workqueue.PoolRequest.WorkerExited.class),
          e(419, org.kernsim.protocol.workqueue.PoolRequest.WorkerRunning.class),
          e(420, org.kernsim.protocol.workqueue.PoolRequest.WorkerSleeping.class),
          e(421, org.kernsim.protocol.workqueue.PoolRequest.WorkerWokeUp.class),
          e(422, org.kernsim.protocol.workqueue.Wake.class),
          e(423, org.kernsim.protocol.workqueue.WorkItem.class),
          e(424, org.kernsim.protocol.workqueue.WorkItem.WorkKind.class),
          e(425, org.kernsim.protocol.workqueue.WorkerMessage.CreateKthread.class),
          e(426, org.kernsim.protocol.workqueue.WorkerMessage.KthreadExited.class),
          e(427, org.kernsim.protocol.workqueue.WorkerMessage.WorkerTimer.class),
          e(428, org.kernsim.protocol.workqueue.WorkloadMessage.DelayedWorkTimer.class),
          e(429, org.kernsim.protocol.workqueue.WorkloadMessage.PendingCleared.class),
          e(430, org.kernsim.protocol.workqueue.WorkloadMessage.Wakeup.class),
          e(431, org.kernsim.protocol.workqueue.WqNote.CullPass.class),
          e(432, org.kernsim.protocol.workqueue.WqNote.DeferredWake.class),
          e(433, org.kernsim.protocol.workqueue.WqNote.DelayedWorkArmed.class),
          e(434, org.kernsim.protocol.workqueue.WqNote.DelayedWorkFired.class),
          e(435, org.kernsim.protocol.workqueue.WqNote.DieSeen.class),
          e(436, org.kernsim.protocol.workqueue.WqNote.EnteredIdle.class),
          e(437, org.kernsim.protocol.workqueue.WqNote.IdleTimeout.class),
          e(438, org.kernsim.protocol.workqueue.WqNote.KickSite.class),
          e(439, org.kernsim.protocol.workqueue.WqNote.Kicked.class),
          e(440, org.kernsim.protocol.workqueue.WqNote.ManagerStarted.class),
          e(441, org.kernsim.protocol.workqueue.WqNote.PoolState.class),
          e(442, org.kernsim.protocol.workqueue.WqNote.WakeAfterExit.class),
          e(443, org.kernsim.protocol.workqueue.WqNote.WokeUp.class),
          e(444, org.kernsim.protocol.workqueue.WqNote.WorkCompleted.class),
          e(445, org.kernsim.protocol.workqueue.WqNote.WorkPunted.class),
          e(446, org.kernsim.protocol.workqueue.WqNote.WorkQueued.class),
          e(447, org.kernsim.protocol.workqueue.WqNote.WorkStarted.class),
          e(448, org.kernsim.protocol.workqueue.WqNote.WorkerCreated.class),
          e(449, org.kernsim.protocol.workqueue.WqNote.WorkerDying.class),
          e(450, org.kernsim.protocol.workqueue.WqNote.WorkerReaped.class),
          e(451, org.kernsim.protocol.workqueue.WqNote.WorkerSleepingNote.class),
          e(452, org.kernsim.protocol.workqueue.PoolRequest.QueueWorkIfExecuting.class),
          e(453, org.kernsim.protocol.workqueue.PoolRequest.InsertBarrier.class),
          e(454, org.kernsim.protocol.workqueue.PoolReply.QueuedOn.class),
          e(455, org.kernsim.protocol.workqueue.PoolReply.BarrierInserted.class),
          e(456, org.kernsim.protocol.workqueue.WorkloadMessage.BarrierDone.class),
          e(457, org.kernsim.protocol.workqueue.WqNote.BarrierInserted.class),
          e(458, org.kernsim.protocol.workqueue.WqNote.ExternalCalled.class),
          e(459, org.kernsim.protocol.workqueue.PoolRequest.ManagerWindowEnd.class),
          e(460, org.kernsim.protocol.workqueue.PoolRequest.WorkerTick.class),
          e(461, org.kernsim.protocol.workqueue.PoolReply.TickDone.class),
          e(462, org.kernsim.protocol.workqueue.WqNote.ManagerEarlyExit.class),
          e(463, org.kernsim.protocol.workqueue.WqNote.CpuIntensiveSet.class),
          e(464, org.kernsim.protocol.workqueue.WqNote.WorkersDetached.class),
          e(465, org.kernsim.protocol.workqueue.WqNote.WakingUp.class),
          // ---------------------------------------------------------------- 500-599: kprobes
          e(500, org.kernsim.protocol.kprobes.CodeChange.FirstByte.class),
          e(501, org.kernsim.protocol.kprobes.CodeChange.Globals.class),
          e(502, org.kernsim.protocol.kprobes.CodeChange.Gone.class),
          e(503, org.kernsim.protocol.kprobes.CodeChange.Hashed.class),
          e(504, org.kernsim.protocol.kprobes.CodeChange.JumpRestore.class),
          e(505, org.kernsim.protocol.kprobes.CodeChange.JumpWrite.class),
          e(506, org.kernsim.protocol.kprobes.CodeChange.OpFreed.class),
          e(507, org.kernsim.protocol.kprobes.CodeChange.ProbeState.class),
          e(508, org.kernsim.protocol.kprobes.CodeChange.TextPoke.class),
          e(509, org.kernsim.protocol.kprobes.CodeChange.Unhashed.class),
          e(510, org.kernsim.protocol.kprobes.CodeMessage.PatchDelay.class),
          e(511, org.kernsim.protocol.kprobes.CodeMessage.Publish.class),
          e(512, org.kernsim.protocol.kprobes.CodeMessage.TextPokeBatch.class),
          e(513, org.kernsim.protocol.kprobes.CodeMessage.ViewAck.class),
          e(514, org.kernsim.protocol.kprobes.CodeMessage.ViewUpdate.class),
          e(515, org.kernsim.protocol.kprobes.KprobeApi.Audit.class),
          e(516, org.kernsim.protocol.kprobes.KprobeApi.Call.class),
          e(517, org.kernsim.protocol.kprobes.KprobeApi.DebugfsEnabled.class),
          e(518, org.kernsim.protocol.kprobes.KprobeApi.DisableKprobe.class),
          e(519, org.kernsim.protocol.kprobes.KprobeApi.EnableKprobe.class),
          e(520, org.kernsim.protocol.kprobes.KprobeApi.KillKprobe.class),
          e(521, org.kernsim.protocol.kprobes.KprobeApi.RegisterKprobe.class),
          e(522, org.kernsim.protocol.kprobes.KprobeApi.RegisterKprobes.class),
          e(523, org.kernsim.protocol.kprobes.KprobeApi.Returned.class),
          e(524, org.kernsim.protocol.kprobes.KprobeApi.SysctlOptimization.class),
          e(525, org.kernsim.protocol.kprobes.KprobeApi.UnregisterKprobes.class),
          e(526, org.kernsim.protocol.kprobes.KprobeNote.AggrFreed.class),
          e(527, org.kernsim.protocol.kprobes.KprobeNote.ApiEntered.class),
          e(528, org.kernsim.protocol.kprobes.KprobeNote.ApiReturned.class),
          e(529, org.kernsim.protocol.kprobes.KprobeNote.AuditResult.class),
          e(530, org.kernsim.protocol.kprobes.KprobeNote.CodeWritten.class),
          e(531, org.kernsim.protocol.kprobes.KprobeNote.HitKind.class),
          e(532, org.kernsim.protocol.kprobes.KprobeNote.Kicked.class),
          e(533, org.kernsim.protocol.kprobes.KprobeNote.MutexAcquired.class),
          e(534, org.kernsim.protocol.kprobes.KprobeNote.MutexReleased.class),
          e(535, org.kernsim.protocol.kprobes.KprobeNote.OpUnreachable.class),
          e(536, org.kernsim.protocol.kprobes.KprobeNote.OptimizerRunBegan.class),
          e(537, org.kernsim.protocol.kprobes.KprobeNote.OptimizerRunEnded.class),
          e(538, org.kernsim.protocol.kprobes.KprobeNote.Printk.class),
          e(539, org.kernsim.protocol.kprobes.KprobeNote.ProbeHit.class),
          e(540, org.kernsim.protocol.kprobes.KprobeNote.ScriptDone.class),
          e(541, org.kernsim.protocol.kprobes.KprobeNote.ScriptStep.class),
          e(542, org.kernsim.protocol.kprobes.KprobeNote.StopMachineCalled.class),
          e(543, org.kernsim.protocol.kprobes.KprobeNote.Transition.class),
          e(544, org.kernsim.protocol.kprobes.KprobeNote.ViewPatched.class),
          e(545, org.kernsim.protocol.kprobes.KprobeNote.WaitReturned.class),
          e(546, org.kernsim.protocol.kprobes.ManagerMessage.DelayedWorkTimer.class),
          e(547, org.kernsim.protocol.kprobes.ManagerMessage.Handoff.class),
          e(548, org.kernsim.protocol.kprobes.ManagerMessage.Relax.class),
          e(549, org.kernsim.protocol.kprobes.OptimizerMessage.Begin.class),
          e(550, org.kernsim.protocol.kprobes.OptimizerMessage.End.class),
          e(551, org.kernsim.protocol.kprobes.OptimizerMessage.Granted.class),
          e(552, org.kernsim.protocol.kprobes.OptimizerMessage.OptimizerStep.class),
          e(553, org.kernsim.protocol.kprobes.OptimizerMessage.RunOptimizer.class),
          e(554, org.kernsim.protocol.kprobes.OptimizerMessage.Step.class),
          e(555, org.kernsim.protocol.kprobes.OptimizerMessage.StepDone.class),
          e(556, org.kernsim.protocol.kprobes.WorkloadMessage.AdminWake.class),
          e(557, org.kernsim.protocol.kprobes.WorkloadMessage.WorkloadStop.class),
          e(558, org.kernsim.protocol.kprobes.OptimizerMessage.Blocked.class),
          e(559, org.kernsim.protocol.kprobes.CodeChange.TailWrite.class),
          e(560, org.kernsim.protocol.kprobes.CodeChange.TailRestore.class),
          e(561, org.kernsim.protocol.kprobes.CodeChange.PokeDescriptor.class),
          e(562, org.kernsim.protocol.kprobes.CodeChange.Loaded.class),
          e(563, org.kernsim.protocol.kprobes.WorkloadMessage.NsInitExits.class),
          e(564, org.kernsim.protocol.kprobes.WorkloadMessage.ChildExited.class),
          // ---------------------------------------------------------------- 600-699: hotplug
          e(600, org.kernsim.protocol.hotplug.HotplugMessage.CpusReadLock.class),
          e(601, org.kernsim.protocol.hotplug.HotplugMessage.CpusReadLocked.class),
          e(602, org.kernsim.protocol.hotplug.HotplugMessage.CpusReadUnlock.class),
          e(603, org.kernsim.protocol.hotplug.HotplugMessage.CpuDown.class),
          e(604, org.kernsim.protocol.hotplug.HotplugMessage.CpuUp.class),
          e(605, org.kernsim.protocol.hotplug.HotplugMessage.HotplugDone.class),
          e(606, org.kernsim.protocol.hotplug.HotplugMessage.PlanDue.class),
          e(607, org.kernsim.protocol.hotplug.HotplugMessage.RandomDue.class),
          e(608, org.kernsim.protocol.hotplug.HotplugMessage.CpuhpKickAp.class),
          e(609, org.kernsim.protocol.hotplug.HotplugMessage.CpuhpApDone.class),
          e(610, org.kernsim.protocol.hotplug.HotplugMessage.CpuhpCallback.class),
          e(611, org.kernsim.protocol.hotplug.HotplugMessage.CpuhpCallbackDone.class),
          e(612, org.kernsim.protocol.hotplug.HotplugMessage.SetCpuActive.class),
          e(613, org.kernsim.protocol.hotplug.HotplugMessage.CpuActiveChanged.class),
          e(614, org.kernsim.protocol.hotplug.HotplugMessage.WaitEmpty.class),
          e(615, org.kernsim.protocol.hotplug.HotplugMessage.RqEmpty.class),
          e(616, org.kernsim.protocol.hotplug.HotplugMessage.BringupCpu.class),
          e(617, org.kernsim.protocol.hotplug.HotplugMessage.CpuBooted.class),
          e(618, org.kernsim.protocol.hotplug.HotplugMessage.ApIdle.class),
          e(619, org.kernsim.protocol.hotplug.HotplugMessage.TakeCpuDown.class),
          e(620, org.kernsim.protocol.hotplug.HotplugMessage.CpuDead.class),
          e(621, org.kernsim.protocol.hotplug.HotplugMessage.StopperState.class),
          e(650, org.kernsim.protocol.hotplug.CpuhpState.class),
          e(651, org.kernsim.protocol.hotplug.CpuhpState.Where.class),
          e(652, org.kernsim.protocol.hotplug.HotplugNote.HotplugStarted.class),
          e(653, org.kernsim.protocol.hotplug.HotplugNote.HotplugRefused.class),
          e(654, org.kernsim.protocol.hotplug.HotplugNote.CpuhpStep.class),
          e(655, org.kernsim.protocol.hotplug.HotplugNote.HotplugFinished.class),
          e(656, org.kernsim.protocol.hotplug.HotplugNote.ReadLockWaits.class),
          e(657, org.kernsim.protocol.hotplug.HotplugNote.ReadLockTaken.class),
          e(658, org.kernsim.protocol.hotplug.HotplugNote.ReadLockReleased.class),
          e(659, org.kernsim.protocol.hotplug.HotplugNote.WriteLockWaits.class),
          e(660, org.kernsim.protocol.hotplug.HotplugNote.WriteLockTaken.class),
          e(661, org.kernsim.protocol.hotplug.HotplugNote.WriteLockReleased.class),
          e(662, org.kernsim.protocol.hotplug.HotplugNote.TaskPushed.class),
          e(663, org.kernsim.protocol.hotplug.HotplugNote.CpuOnlineChanged.class),
          // ---------------------------------------------------------------- 1220-1249: hotplug26
          e(1220, org.kernsim.protocol.hotplug26.Hotplug26Message.Acquire.class),
          e(1221, org.kernsim.protocol.hotplug26.Hotplug26Message.Release.class),
          e(1222, org.kernsim.protocol.hotplug26.Hotplug26Message.Granted.class),
          e(1223, org.kernsim.protocol.hotplug26.Hotplug26Message.TakeCpuDown.class),
          e(1224, org.kernsim.protocol.hotplug26.Hotplug26Message.StopperView.class),
          e(1225, org.kernsim.protocol.hotplug26.Hotplug26Message.CpuOffline.class),
          e(1226, org.kernsim.protocol.hotplug26.Hotplug26Message.CpuOfflineAck.class),
          e(1227, org.kernsim.protocol.hotplug26.Hotplug26Message.CpuOnline.class),
          e(1228, org.kernsim.protocol.hotplug26.Hotplug26Message.PlanDue.class),
          e(1229, org.kernsim.protocol.hotplug26.Hotplug26Note.Started.class),
          e(1230, org.kernsim.protocol.hotplug26.Hotplug26Note.Step.class),
          e(1231, org.kernsim.protocol.hotplug26.Hotplug26Note.Finished.class),
          e(1232, org.kernsim.protocol.hotplug26.Hotplug26Message.WriterTimer.class),
          e(1280, org.kernsim.protocol.hotplug26.Hotplug26Message.RandomDue.class),
          e(1290, org.kernsim.protocol.hotplug26.Hotplug26Message.StopperEnable.class),
          e(1291, org.kernsim.protocol.hotplug26.Hotplug26Message.StopperViewSet.class),
          // a kprobes API caller keeps its CPU in the kernel function (session admincpu)
          e(1310, org.kernsim.protocol.stopmachine.StopMachineMessage.Counted.class),
          e(1311, org.kernsim.protocol.hotplug26.Hotplug26Message.Queued.class),
          e(1312, org.kernsim.protocol.kprobes.KprobeApi.CallerSleeps.class),
          e(1313, org.kernsim.protocol.kprobes.KprobeApi.CallerWakes.class),
          e(1314, org.kernsim.protocol.kprobes.KprobeApi.CallerOnCpu.class),
          // ---------------------------------------------------------------- 700-799: patching eras
          e(700, org.kernsim.protocol.textpoke.TextPokeMessage.Request.class),
          e(701, org.kernsim.protocol.textpoke.TextPokeMessage.Done.class),
          e(702, org.kernsim.protocol.textpoke.TextPokeMessage.SyncCore.class),
          e(703, org.kernsim.protocol.textpoke.TextPokeMessage.SyncAck.class),
          e(704, org.kernsim.protocol.textpoke.TextPokeMessage.Step.class),
          e(705, org.kernsim.protocol.textpoke.TextPokeMessage.Write.class),
          e(706, org.kernsim.protocol.textpoke.TextPokeMessage.Sync.class),
          e(707, org.kernsim.protocol.textpoke.TextPokeMessage.Retire.class),
          e(720, org.kernsim.protocol.rcutasks.RcuTasksMessage.SynchronizeRcuTasks.class),
          e(721, org.kernsim.protocol.rcutasks.RcuTasksMessage.GracePeriodDone.class),
          e(722, org.kernsim.protocol.rcutasks.RcuTasksMessage.ExitStart.class),
          e(723, org.kernsim.protocol.rcutasks.RcuTasksMessage.ExitFinish.class),
          e(724, org.kernsim.protocol.rcutasks.RcuTasksMessage.Phase.class),
          // ---------------------------------------------------------------- 1150-1199: workqueue
          e(1150, org.kernsim.protocol.workqueue.WqHotplug.UnbindStep.class),
          e(1151, org.kernsim.protocol.workqueue.WqHotplug.UnbindStepDone.class),
          e(1152, org.kernsim.protocol.workqueue.WqHotplug.Step.class),
          // ---------------------------------------------------------------- 800-849: lockdep
          e(800, org.kernsim.protocol.lockdep.LockNote.Acquire.class),
          e(801, org.kernsim.protocol.lockdep.LockNote.Release.class),
          e(802, org.kernsim.protocol.lockdep.LockNote.Wait.class),
          e(803, org.kernsim.protocol.lockdep.LockNote.LockMode.class),
          // ---------------------------------------------------------------- 850-899: snapshots
          e(850, org.kernsim.protocol.snapshot.SimSnapshot.class),
          e(851, org.kernsim.protocol.snapshot.SimSnapshot.EntityState.class),
          // ---------------------------------------------------------------- 900-949: wire
          e(900, org.kernsim.protocol.cluster.AdmissionCommand.Challenge.class),
          e(901, org.kernsim.protocol.cluster.AdmissionCommand.Proof.class),
          e(902, PartitionCommand.TakeSnapshot.class),
          e(903, CoordinatorCommand.PartitionSnapshot.class),
          e(904, NodeCommand.RestoreShare.class),
          e(905, NodeCommand.ResumeRun.class),
          // ---------------------------------------------------------------- 1000-1099: mutex,
          // wqlife
          e(1000, org.kernsim.protocol.mutex.MutexMessage.Lock.class),
          e(1001, org.kernsim.protocol.mutex.MutexMessage.Unlock.class),
          e(1002, org.kernsim.protocol.mutex.MutexMessage.Granted.class),
          e(1003, org.kernsim.protocol.mutex.MutexMessage.Contended.class),
          e(1004, org.kernsim.protocol.mutex.MutexNote.Acquired.class),
          e(1005, org.kernsim.protocol.mutex.MutexNote.Released.class),
          e(1006, org.kernsim.protocol.mutex.MutexNote.Waiting.class),
          e(1010, org.kernsim.protocol.wqlife.PwqRef.class),
          e(1011, org.kernsim.protocol.wqlife.PwqRequest.InitPwq.class),
          e(1012, org.kernsim.protocol.wqlife.PwqRequest.QueueOnPwq.class),
          e(1013, org.kernsim.protocol.wqlife.PwqRequest.PutPwq.class),
          e(1014, org.kernsim.protocol.wqlife.PwqRequest.PwqBusy.class),
          e(1015, org.kernsim.protocol.wqlife.PwqRequest.FlushPwq.class),
          e(1016, org.kernsim.protocol.wqlife.PwqRequest.InitPool.class),
          e(1017, org.kernsim.protocol.wqlife.PwqRequest.PutUnboundPoolLocked.class),
          e(1018, org.kernsim.protocol.wqlife.PwqRequest.DeleteIdleTimer.class),
          e(1019, org.kernsim.protocol.wqlife.PwqRequest.DeleteMaydayTimer.class),
          e(1020, org.kernsim.protocol.wqlife.PwqRequest.CancelWork.class),
          e(1021, org.kernsim.protocol.wqlife.PwqRequest.CullWorkCancelled.class),
          e(1022, org.kernsim.protocol.wqlife.PwqRequest.MaydayRejected.class),
          e(1023, org.kernsim.protocol.wqlife.PwqRequest.RescueStart.class),
          e(1024, org.kernsim.protocol.wqlife.PwqRequest.RescueWorkDone.class),
          e(1025, org.kernsim.protocol.wqlife.PwqRequest.CancelOutcome.class),
          e(1026, org.kernsim.protocol.wqlife.WqRequest.QueueWork.class),
          e(1027, org.kernsim.protocol.wqlife.WqRequest.InstallPwqs.class),
          e(1028, org.kernsim.protocol.wqlife.WqRequest.SetFlags.class),
          e(1029, org.kernsim.protocol.wqlife.WqRequest.ListPwqs.class),
          e(1030, org.kernsim.protocol.wqlife.WqRequest.UnlinkPwq.class),
          e(1031, org.kernsim.protocol.wqlife.WqRequest.TakeBaseRefs.class),
          e(1032, org.kernsim.protocol.wqlife.WqRequest.Mayday.class),
          e(1033, org.kernsim.protocol.wqlife.WqRequest.NextMayday.class),
          e(1034, org.kernsim.protocol.wqlife.WqRequest.ClearRescuer.class),
          e(1035, org.kernsim.protocol.wqlife.PoolsRequest.GetUnboundPool.class),
          e(1036, org.kernsim.protocol.wqlife.PoolsRequest.PutUnboundPool.class),
          e(1037, org.kernsim.protocol.wqlife.LifeReply.Done.class),
          e(1038, org.kernsim.protocol.wqlife.LifeReply.PwqStatus.class),
          e(1039, org.kernsim.protocol.wqlife.LifeReply.FlushArmed.class),
          e(1040, org.kernsim.protocol.wqlife.LifeReply.FlushDone.class),
          e(1041, org.kernsim.protocol.wqlife.LifeReply.PoolCulled.class),
          e(1042, org.kernsim.protocol.wqlife.LifeReply.ManagerGone.class),
          e(1043, org.kernsim.protocol.wqlife.LifeReply.TimerDeleted.class),
          e(1044, org.kernsim.protocol.wqlife.LifeReply.Cancelled.class),
          e(1045, org.kernsim.protocol.wqlife.LifeReply.Installed.class),
          e(1046, org.kernsim.protocol.wqlife.LifeReply.PwqList.class),
          e(1047, org.kernsim.protocol.wqlife.LifeReply.Unlinked.class),
          e(1048, org.kernsim.protocol.wqlife.LifeReply.MaydayOf.class),
          e(1049, org.kernsim.protocol.wqlife.LifeReply.PoolOf.class),
          e(1050, org.kernsim.protocol.wqlife.LifeReply.PoolRef.class),
          e(1051, org.kernsim.protocol.wqlife.LifeReply.RescueItem.class),
          e(1052, org.kernsim.protocol.wqlife.LifeReply.RescueDone.class),
          e(1053, org.kernsim.protocol.wqlife.LifeMessage.QueueRelease.class),
          e(1054, org.kernsim.protocol.wqlife.LifeMessage.RescuerWake.class),
          e(1055, org.kernsim.protocol.wqlife.LifeMessage.Tick.class),
          e(1056, org.kernsim.protocol.wqlife.LifeMessage.Complete.class),
          e(1057, org.kernsim.protocol.wqlife.LifeMessage.WaitCompletion.class),
          e(1058, org.kernsim.protocol.wqlife.LifeMessage.Completed.class),
          e(1059, org.kernsim.protocol.wqlife.LifeMessage.KthreadStop.class),
          e(1060, org.kernsim.protocol.wqlife.LifeNote.PoolCreated.class),
          e(1061, org.kernsim.protocol.wqlife.LifeNote.PwqInstalled.class),
          e(1062, org.kernsim.protocol.wqlife.LifeNote.AttrsApplied.class),
          e(1063, org.kernsim.protocol.wqlife.LifeNote.WorkqueueDestroyed.class),
          e(1064, org.kernsim.protocol.wqlife.LifeNote.PwqReleased.class),
          e(1065, org.kernsim.protocol.wqlife.LifeNote.PoolRefDropped.class),
          e(1066, org.kernsim.protocol.wqlife.LifeNote.PoolDestroying.class),
          e(1067, org.kernsim.protocol.wqlife.LifeNote.PoolWorkerDying.class),
          e(1068, org.kernsim.protocol.wqlife.LifeNote.PoolTimersShut.class),
          e(1069, org.kernsim.protocol.wqlife.LifeNote.PoolRcuQueued.class),
          e(1070, org.kernsim.protocol.wqlife.LifeNote.PoolFreed.class),
          e(1071, org.kernsim.protocol.wqlife.LifeNote.ItemInactive.class),
          e(1072, org.kernsim.protocol.wqlife.LifeNote.ItemActivated.class),
          e(1073, org.kernsim.protocol.wqlife.LifeNote.MaydaySent.class),
          e(1074, org.kernsim.protocol.wqlife.LifeNote.Rescued.class),
          e(1075, org.kernsim.protocol.wqlife.LifeNote.QueueRejected.class),
          e(1076, org.kernsim.protocol.wqlife.LifeMessage.NotDone.class));

  /** Whether {@code type} has a row (ActorRef implementations count as ActorRef). */
  public static boolean isRegistered(Class<?> type) {
    if (ActorRef.class.isAssignableFrom(type)) return true;
    for (Entry e : TABLE) if (e.type() == type) return true;
    return false;
  }

  /**
   * A Kryo instance with every row registered and registration required. {@code resolver} turns
   * typed ActorRefs into strings and back (it is asked lazily, at the first ActorRef).
   */
  public static Kryo newKryo(Supplier<ActorRefResolver> resolver) {
    return newKryo(resolver, null, WireLimits.DEFAULT);
  }

  /**
   * A Kryo instance with every row registered and registration required, that reads received frames
   * without trusting them (with a {@code WireInput}, see {@link KryoSerializer}): objects nest at
   * most {@code limits.maxDepth()} deep, class names are refused (only registered ids), and every
   * ActorRef must belong to the ActorSystem {@code systemName} (null: any).
   */
  public static Kryo newKryo(
      Supplier<ActorRefResolver> resolver, String systemName, WireLimits limits) {
    Kryo kryo = new Kryo(new ActorRefAwareClassResolver(), null);
    kryo.setRegistrationRequired(true);
    kryo.setReferences(false);
    kryo.setMaxDepth(limits.maxDepth());
    registerTable(kryo, resolver, systemName);
    return kryo;
  }

  /**
   * Registers every row of the table on {@code kryo}, a Kryo configured otherwise (the snapshot
   * codec's, which adds its own rows and serializers). {@code systemName}: as for {@link
   * #newKryo(Supplier, String, WireLimits)}.
   */
  public static void registerTable(
      Kryo kryo, Supplier<ActorRefResolver> resolver, String systemName) {
    Set<Integer> ids = new HashSet<>();
    for (Entry e : TABLE) {
      if (e.id() < FIRST_ID)
        throw new IllegalStateException("Kryo id " + e.id() + " < " + FIRST_ID + ": " + e.type());
      if (!ids.add(e.id()))
        throw new IllegalStateException("Kryo id " + e.id() + " used twice: " + e.type());
      Serializer<?> s = serializerFor(e.type(), resolver, systemName);
      if (s == null) kryo.register(e.type(), e.id());
      else kryo.register(e.type(), s, e.id());
    }
  }

  private static Serializer<?> serializerFor(
      Class<?> type, Supplier<ActorRefResolver> resolver, String systemName) {
    if (type == ActorRef.class) return new ActorRefSerializer(resolver, systemName);
    if (type.isArray()) return ArraySerializers.of(type);
    if (type == Event.class) return new EventSerializer();
    if (type == PartitionCommand.Batch.class) return new BatchSerializer();
    if (List.class.isAssignableFrom(type)) return CollectionSerializers.list(type);
    if (Set.class.isAssignableFrom(type)) return CollectionSerializers.set(type);
    if (Map.class.isAssignableFrom(type)) return CollectionSerializers.map(type);
    if (type.isRecord()) return recordSerializer(type);
    return null; // enums: Kryo's default
  }

  /**
   * The serializer of a record class: Kryo's record format, through method handles made once (see
   * {@link RecordFields}).
   */
  public static <T> Serializer<T> recordSerializer(Class<T> type) {
    return RecordFields.of(type);
  }

  /**
   * Keeps registration required but maps every implementation of {@link ActorRef} (the typed
   * adapters, remote refs...) to the {@code ActorRef} row, so refs need one id and one serializer.
   * Refuses class names on the wire: kernsim writes only registered ids, and a name would make Kryo
   * load whatever class the sender names.
   */
  static final class ActorRefAwareClassResolver extends DefaultClassResolver {
    @Override
    protected Registration readName(Input input) {
      throw new MalformedFrameException("a class name instead of a registered class id");
    }

    @Override
    public Registration getRegistration(Class type) {
      Registration r = super.getRegistration(type);
      if (r == null && ActorRef.class.isAssignableFrom(type)) {
        r = super.getRegistration(ActorRef.class);
        if (r != null) classToRegistration.put(type, r); // cache the mapping
      }
      return r;
    }
  }
}
