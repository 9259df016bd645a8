package org.kernsim.actors.cpuhotplug26;

import static org.kernsim.engine.snapshot.StateRows.row;

import java.util.List;
import org.kernsim.protocol.hotplug26.Hotplug26Note;
import org.kernsim.protocol.kryo.KryoRegistry;

/**
 * The state classes of v2.6.36-v2.6.38 CPU hotplug in a run, for snapshots (ids 2380-2399,
 * 2450-2459): the writer and lock owner ({@link Hotplug26}), its {@link CpuHotplug26} and the steps
 * of its program; and what it promises to the liveness phase.
 */
public final class Hotplug26State {
  private Hotplug26State() {}

  /** Every {@code cpu_down()} / {@code cpu_up()} that starts returns. */
  public static final List<org.kernsim.engine.Obligation> OBLIGATIONS =
      List.of(
          new org.kernsim.engine.Obligation(
              "cpu_down()/cpu_up() (2.6.3x)",
              Hotplug26Note.Started.class,
              Hotplug26Note.Finished.class,
              (r, p) ->
                  p instanceof Hotplug26Note.Started s
                      ? s.op()
                      : ((Hotplug26Note.Finished) p).op()));

  public static final List<KryoRegistry.Entry> ROWS =
      List.of(
          row(2380, Hotplug26.class),
          row(2381, "org.kernsim.actors.cpuhotplug26.Hotplug26$Request"),
          row(2382, CpuHotplug26.class),
          row(2383, CpuHotplug26.Waits.class),
          row(2384, CpuHotplug26.Done.class),
          row(2385, Programs26.Era.class),
          row(2386, HotplugOp.MutexLock.class),
          row(2387, HotplugOp.MutexUnlock.class),
          row(2388, HotplugOp.GetOnlineCpus.class),
          row(2389, HotplugOp.PutOnlineCpus.class),
          row(2390, HotplugOp.CpuHotplugBegin.class),
          row(2391, HotplugOp.CpuHotplugDone.class),
          row(2392, HotplugOp.ReadNumThreads.class),
          row(2393, HotplugOp.StopCpus.class),
          row(2394, HotplugOp.TakeCpuDown.class),
          row(2395, HotplugOp.SetCpuOnline.class),
          row(2396, HotplugOp.StopperEnabled.class),
          row(2397, HotplugOp.SkipIfSmpMode.class),
          row(2398, HotplugOp.SetSmpMode.class),
          row(2399, "org.kernsim.actors.kprobes.KprobesConfig$Hotplug26"),
          row(2450, "org.kernsim.actors.cpuhotplug26.Hotplug26$Due"));
}
