package org.kernsim.engine.snapshot;

import org.kernsim.protocol.kryo.KryoRegistry;

/** Rows of a model's state-class table ({@code Simulation.stateClasses()}, ids 2000-2899). */
public final class StateRows {
  private StateRows() {}

  public static KryoRegistry.Entry row(int id, Class<?> type) {
    return new KryoRegistry.Entry(id, type);
  }

  /**
   * A row for a class the table cannot name in code (a private nested class, an anonymous class):
   * by its binary name ({@code Outer$Inner}). A name that no longer resolves fails at once, naming
   * it.
   */
  public static KryoRegistry.Entry row(int id, String binaryName) {
    try {
      return new KryoRegistry.Entry(
          id, Class.forName(binaryName, false, StateRows.class.getClassLoader()));
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(
          "state class row " + id + ": no class " + binaryName + " (renamed? update its row)", e);
    }
  }
}
