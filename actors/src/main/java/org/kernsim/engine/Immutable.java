package org.kernsim.engine;

/**
 * Entity state that never changes once made — a persistent structure, shared by several entities or
 * by the versions of one entity's state (the kprobes model's published code views). A copy of an
 * entity's state in memory (a restore by copy, a speculative round's checkpoint) shares such an
 * object instead of copying it; snapshot bytes still hold it whole. A class may memoise in a
 * transient field what it derives from its final ones.
 */
public interface Immutable {}
