package org.kernsim.scenario;

import java.util.List;

/**
 * The models a scenario may name in {@code scenario.model}. The catalog is handed in from above
 * ({@code org.kernsim.models.Models}): this floor parses scenarios and knows no model.
 */
public record ModelCatalog(List<ModelFactory> models) {

  public ModelCatalog {
    models = List.copyOf(models);
  }

  public List<String> names() {
    return models.stream().map(ModelFactory::name).toList();
  }

  /** The model called {@code name}, or null. */
  public ModelFactory find(String name) {
    for (ModelFactory m : models) if (m.name().equals(name)) return m;
    return null;
  }
}
