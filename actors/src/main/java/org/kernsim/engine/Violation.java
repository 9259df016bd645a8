package org.kernsim.engine;

/** One invariant violation, as reported in the run JSON. */
public record Violation(String checker, long atNanos, String entity, String message) {}
