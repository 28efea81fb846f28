package dev.stride.app;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stride.core.InvalidSettingException;
import org.junit.jupiter.api.Test;

/** The files a run's requests in flight need, against what the process may open, with the numbers a user acts on. */
class OpenFileLimitTest {

    @Test
    void aConcurrencyThatNeedsMoreFilesThanTheLimitIsRefusedWithTheLimitAndWhatFits() {
        // 20 open + 200 connections + 32 besides = 252 > 100; fits: 100 - 20 - 32 = 48
        assertThatThrownBy(() -> OpenFileLimit.check(200, false, 100, 20))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("--concurrency 200 needs about 252 open files at once (a connection per request in"
                        + " flight), and this process may open 100 (ulimit -n): raise the limit before stride"
                        + " (ulimit -n 65536, or the container's nofile), or use --concurrency 48 or less");
    }

    @Test
    void underAutoTheMostInFlightIsWhatMustFitAndItsOptionIsNamed() {
        assertThatThrownBy(() -> OpenFileLimit.check(4096, true, 1024, 40))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("--concurrency auto may reach 4096 requests in flight (--max-concurrency)")
                .hasMessageContaining("may open 1024 (ulimit -n)")
                .hasMessageEndingWith("or give --max-concurrency 952 or less");
    }

    @Test
    void whatFitsToTheLastFileRunsAndALimitUnknownIsNoReasonToRefuse() {
        assertThatCode(() -> OpenFileLimit.check(48, false, 100, 20)).doesNotThrowAnyException();
        assertThatThrownBy(() -> OpenFileLimit.check(49, false, 100, 20)).isInstanceOf(InvalidSettingException.class);
        assertThatCode(() -> OpenFileLimit.check(4096, false, -1, 20)).doesNotThrowAnyException();
    }
}
