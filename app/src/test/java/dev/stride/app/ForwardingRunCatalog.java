package dev.stride.app;

import dev.stride.core.InputRecord;
import dev.stride.core.RunCatalog;
import dev.stride.core.RunInfo;
import dev.stride.core.RunSpec;
import dev.stride.core.SyncPreview;
import dev.stride.core.SyncReport;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A store's catalog passed through as it is, for a test to override the one call it watches or stages. The
 * interface's default methods are left to route to these, as they do for a real store.
 */
abstract class ForwardingRunCatalog implements RunCatalog {
    final RunCatalog store;

    ForwardingRunCatalog(RunCatalog store) {
        this.store = store;
    }

    @Override
    public Optional<RunInfo> findRun(String name) {
        return store.findRun(name);
    }

    @Override
    public List<RunInfo> listRuns() {
        return store.listRuns();
    }

    @Override
    public Optional<String> inputDigest(String run) {
        return store.inputDigest(run);
    }

    @Override
    public SyncReport syncRun(RunSpec spec, Iterator<InputRecord> input, Supplier<Optional<String>> digest,
                              boolean dropAnswers) {
        return store.syncRun(spec, input, digest, dropAnswers);
    }

    @Override
    public Optional<SyncReport> syncUnchanged(RunSpec spec, String inputDigest) {
        return store.syncUnchanged(spec, inputDigest);
    }

    @Override
    public SyncPreview previewSync(RunSpec spec, Iterator<InputRecord> input, boolean includeFailed) {
        return store.previewSync(spec, input, includeFailed);
    }

    @Override
    public void updateBaseUrls(long runId, List<String> baseUrls) {
        store.updateBaseUrls(runId, baseUrls);
    }

    @Override
    public void keepOutputRules(long runId, String outputRulesJson) {
        store.keepOutputRules(runId, outputRulesJson);
    }
}
