package org.kernsim.actors.workqueue;

/** {@code WORKER_*} flags ({@code kernel/workqueue.c}), with their bit values. */
public enum WorkerFlag {
  DIE(1 << 1),
  IDLE(1 << 2),
  PREP(1 << 3),
  CPU_INTENSIVE(1 << 6),
  UNBOUND(1 << 7),
  REBOUND(1 << 8);

  public final int bit;

  WorkerFlag(int bit) {
    this.bit = bit;
  }

  /**
   * {@code WORKER_NOT_RUNNING}: a worker with any of these is not counted in {@code nr_running}.
   */
  public static final int NOT_RUNNING = PREP.bit | CPU_INTENSIVE.bit | UNBOUND.bit | REBOUND.bit;

  public static String describe(int flags) {
    StringBuilder sb = new StringBuilder();
    for (WorkerFlag f : values()) {
      if ((flags & f.bit) != 0) sb.append(sb.length() == 0 ? "" : "|").append(f.name());
    }
    return sb.length() == 0 ? "0" : sb.toString();
  }
}
