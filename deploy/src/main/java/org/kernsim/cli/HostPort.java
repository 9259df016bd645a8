package org.kernsim.cli;

import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Quote;

/** {@code HOST:PORT} as given to {@code --seed-node} and {@code --join}. */
record HostPort(String host, int port) {

  static HostPort parse(String option, String text) {
    int colon = text == null ? -1 : text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new BadInputException(
          option + " " + Quote.value(text) + ": expected HOST:PORT (e.g. 127.0.0.1:2552)");
    }
    return new HostPort(text.substring(0, colon), port(option, text.substring(colon + 1), false));
  }

  static int port(String option, String text, boolean zeroAllowed) {
    int p;
    try {
      p = Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      p = -1;
    }
    if (p < (zeroAllowed ? 0 : 1) || p > 65535) {
      throw new BadInputException(
          option
              + " "
              + Quote.value(text)
              + ": expected a port in "
              + (zeroAllowed ? "0" : "1")
              + "..65535");
    }
    return p;
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
