package org.kernsim.scenario;

/**
 * Bad user input: a scenario file, a key, a value, a flag or a trace file. The message is one or
 * two lines naming what is wrong and where; the CLI prints it and exits with code 2. Values in it
 * should be quoted with {@link Quote}; the message is escaped and its lines cut here as well.
 */
public final class BadInputException extends RuntimeException {
  public BadInputException(String message) {
    super(Quote.message(message), null, false, false);
  }
}
