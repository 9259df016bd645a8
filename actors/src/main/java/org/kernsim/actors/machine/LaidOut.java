package org.kernsim.actors.machine;

import org.kernsim.engine.Simulation;

/** A simulation whose entities, names and placement come from a {@link Layout}. */
public interface LaidOut extends Simulation {

  Layout layout();

  @Override
  default int entityCount() {
    return layout().size();
  }

  @Override
  default String entityName(int id) {
    return layout().name(id);
  }

  @Override
  default int placementKey(int id) {
    return layout().placementKey(id);
  }

  @Override
  default int placementKeys() {
    return layout().placementKeys();
  }
}
