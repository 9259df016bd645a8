package org.kernsim.engine;

/**
 * The logic of one simulated entity (a CPU, a worker pool, a kworker, the kprobe manager...).
 *
 * <p>An entity is plain Java over its own state. It acts only through the {@link Context} it is
 * handed: it never reads the wall clock, a global or a thread-local, so the engine controls every
 * source of nondeterminism and the same logic runs under every driver (one thread, Pekko actors on
 * one node, a Pekko cluster).
 */
public interface Entity {

  /** Called once at virtual time 0, before any event is delivered. */
  default void start(Context ctx) {}

  /** Handles one delivered message (or a fired timer's message). */
  void receive(Context ctx, Object message);
}
