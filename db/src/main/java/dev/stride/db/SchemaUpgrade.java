package dev.stride.db;

import java.util.Optional;

/**
 * An upgrade of a database's schema that this process made: the database (a file's path, or a PostgreSQL location
 * whose text never holds the password), the version it had (as its history keeps it) and this build's, which it has
 * now. Only an existing database an older stride wrote is upgraded; creating a new one is none.
 */
public record SchemaUpgrade(Object database, Object from, int to) {
    static Optional<SchemaUpgrade> of(Object database, Optional<?> from) {
        return from.map(version -> new SchemaUpgrade(database, version, Schema.LATEST));
    }
}
