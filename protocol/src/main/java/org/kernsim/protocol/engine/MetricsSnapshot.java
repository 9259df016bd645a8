package org.kernsim.protocol.engine;

import java.util.Map;

/** Counters and compressed HdrHistogram bytes of a group of entities, as they cross nodes. */
public record MetricsSnapshot(Map<String, Long> counters, Map<String, byte[]> histograms) {}
