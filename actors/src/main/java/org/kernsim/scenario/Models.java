package org.kernsim.scenario;

import java.util.List;
import org.kernsim.actors.kprobes.KprobesModel;
import org.kernsim.actors.phold.PholdModel;
import org.kernsim.actors.workqueue.WorkqueueModel;

/** The models kernsim knows, by {@code scenario.model} name. */
public final class Models {
  private Models() {}

  private static final List<ModelFactory> ALL =
      List.of(
          new WorkqueueModel(),
          new KprobesModel(),
          new org.kernsim.actors.machine.MachineModel(),
          new PholdModel());

  public static List<ModelFactory> all() {
    return ALL;
  }

  public static List<String> names() {
    return ALL.stream().map(ModelFactory::name).toList();
  }

  public static ModelFactory find(String name) {
    for (ModelFactory m : ALL) if (m.name().equals(name)) return m;
    return null;
  }
}
