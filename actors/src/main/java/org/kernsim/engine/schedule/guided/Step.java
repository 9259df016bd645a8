package org.kernsim.engine.schedule.guided;

/**
 * One fork of a coverage-guided schedule's chain: at virtual time {@code at} (the first window
 * boundary at or after it), the run goes on under perturbation {@code perturbation} of the {@code
 * random} strategy ({@link org.kernsim.engine.schedule.Strategy}: every entity's streams re-seeded
 * from {@code (scenario seed, at, perturbation)}, same-time sources in a random order).
 *
 * @param at the fork time (ns)
 * @param perturbation the perturbation seed (>= 0)
 */
public record Step(long at, long perturbation) {
  public Step {
    if (at < 0) throw new IllegalArgumentException("a fork time must be >= 0: " + at);
    if (perturbation < 0)
      throw new IllegalArgumentException("a perturbation must be >= 0: " + perturbation);
  }
}
