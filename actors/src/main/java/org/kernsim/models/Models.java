package org.kernsim.models;

import java.util.List;
import java.util.Map;
import org.kernsim.actors.kprobes.KprobesModel;
import org.kernsim.actors.machineload.MachineModel;
import org.kernsim.actors.phold.PholdModel;
import org.kernsim.actors.workqueue.WorkqueueModel;
import org.kernsim.actors.wqlife.WqLifeModel;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.cluster.ClusterDriver;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.ModelCatalog;
import org.kernsim.scenario.ModelFactory;
import org.kernsim.scenario.Scenario;
import org.kernsim.scenario.Scenarios;

/**
 * The models kernsim knows, by {@code scenario.model} name: the one place above the models that
 * names them all. Scenario parsing ({@code org.kernsim.scenario}) and the cluster's node engines
 * ({@code org.kernsim.engine.cluster}) are handed this catalog; they never import a model.
 */
public final class Models {
  private Models() {}

  public static final ModelCatalog CATALOG =
      new ModelCatalog(
          List.of(
              new WorkqueueModel(),
              new KprobesModel(),
              new MachineModel(),
              new PholdModel(),
              new WqLifeModel()));

  public static List<ModelFactory> all() {
    return CATALOG.models();
  }

  public static List<String> names() {
    return CATALOG.names();
  }

  /** The model called {@code name}, or null. */
  public static ModelFactory find(String name) {
    return CATALOG.find(name);
  }

  /**
   * Loads scenario {@code nameOrPath} (a file or a built-in) with {@code --set}-style overrides.
   *
   * @throws BadInputException naming the file, line and key of what is wrong
   */
  public static Scenario load(String nameOrPath, List<String> overrides) {
    return Scenarios.load(CATALOG, nameOrPath, overrides);
  }

  /** As {@link #load}, with overrides that name their flag ({@code --vary}) in messages. */
  public static Scenario loadWith(String nameOrPath, List<Scenarios.Override> overrides) {
    return Scenarios.loadWith(CATALOG, nameOrPath, overrides);
  }

  /**
   * Builds the simulation a cluster node is asked to host: model {@code model} with every effective
   * setting as text (what the driver sent).
   */
  public static Simulation simulation(String model, Map<String, String> settings) {
    ModelFactory factory = find(model);
    if (factory == null)
      throw new IllegalArgumentException("unknown model '" + model + "' on this node");
    return Scenarios.fromMap(factory, settings).build();
  }

  /** A cluster job for {@code scenario}: its model, every effective setting, and {@code sim}. */
  public static ClusterDriver.Job clusterJob(Scenario scenario, Simulation sim) {
    return new ClusterDriver.Job(scenario.model().name(), scenario.settings().asOverrides(), sim);
  }
}
