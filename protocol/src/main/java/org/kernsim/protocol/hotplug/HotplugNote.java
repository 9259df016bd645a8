package org.kernsim.protocol.hotplug;

import org.kernsim.protocol.WireMessage;

/** Trace notes of CPU hotplug, for timelines, traces and checkers. */
public sealed interface HotplugNote extends WireMessage
    permits HotplugNote.HotplugStarted,
        HotplugNote.HotplugRefused,
        HotplugNote.CpuhpStep,
        HotplugNote.HotplugFinished,
        HotplugNote.ReadLockWaits,
        HotplugNote.ReadLockTaken,
        HotplugNote.ReadLockReleased,
        HotplugNote.WriteLockWaits,
        HotplugNote.WriteLockTaken,
        HotplugNote.WriteLockReleased,
        HotplugNote.TaskPushed,
        HotplugNote.CpuOnlineChanged {

  /** {@code cpu_down()} ({@code bringup} false) or {@code cpu_up()} of {@code cpu} begins. */
  record HotplugStarted(long op, int cpu, boolean bringup, String source) implements HotplugNote {}

  /** The request was refused ({@code error}: -EBUSY, -EINVAL) or was a no-op (0). */
  record HotplugRefused(int cpu, boolean bringup, int error, String why) implements HotplugNote {}

  /** A state's callback starts ({@code done} false) or returned ({@code done} true). */
  record CpuhpStep(long op, int cpu, CpuhpState state, boolean bringup, boolean done)
      implements HotplugNote {}

  /** The operation finished; it took {@code nanos}. */
  record HotplugFinished(long op, int cpu, boolean online, long nanos) implements HotplugNote {}

  /**
   * Task {@code holder} waits for the read side in {@code site} ({@code recursive}: it holds it).
   */
  record ReadLockWaits(int holder, String site, boolean recursive, int writer)
      implements HotplugNote {}

  /** Task {@code holder} got the read side ({@code depth}: how often it now holds it). */
  record ReadLockTaken(int holder, String site, int depth) implements HotplugNote {}

  /** Task {@code holder} released the read side once. */
  record ReadLockReleased(int holder, int depth) implements HotplugNote {}

  /** The writer waits: for a grace period ({@code rcuSync}) or for {@code readers} readers. */
  record WriteLockWaits(int writer, boolean rcuSync, int readers) implements HotplugNote {}

  /** {@code cpus_write_lock()} returned. */
  record WriteLockTaken(int writer) implements HotplugNote {}

  /** {@code cpus_write_unlock()}: {@code woken} waiting readers get the read side. */
  record WriteLockReleased(int writer, int woken) implements HotplugNote {}

  /**
   * Task {@code task} left CPU {@code from} for {@code to}: {@code balance_push()}, {@code
   * migrate_tasks()} or {@code select_fallback_rq()} ({@code why}).
   */
  record TaskPushed(int task, int from, int to, String why) implements HotplugNote {}

  /** CPU {@code cpu} entered or left {@code cpu_online_mask}. */
  record CpuOnlineChanged(int cpu, boolean online) implements HotplugNote {}
}
