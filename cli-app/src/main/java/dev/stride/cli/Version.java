package dev.stride.cli;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar's manifest (a development build says so). */
final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Version.class.getPackage().getImplementationVersion();
        return new String[] {"stride " + (v == null ? "development build" : v)};
    }
}
