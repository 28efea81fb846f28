package dev.stride.db;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * How a worker's row names its machine: the host name alone outside containers (and where there is no /proc), with
 * the PID namespace inside one, so that two containers of one host name never judge each other's pids.
 */
class MachineNameTest {
    @Test
    void theHostNameAloneInTheMachinesFirstPidNamespaceOrWithoutOne() {
        assertThat(Workforce.machineName("gpu-node-7", "pid:[4026531836]")).isEqualTo("gpu-node-7");
        assertThat(Workforce.machineName("gpu-node-7", null)).isEqualTo("gpu-node-7");
    }

    @Test
    void aContainersPidNamespaceFollowsTheHostName() {
        assertThat(Workforce.machineName("gpu-node-7", "pid:[4026532174]")).isEqualTo("gpu-node-7/pid:[4026532174]");
        assertThat(Workforce.machineName("gpu-node-7", "pid:[4026532175]"))
                .isNotEqualTo(Workforce.machineName("gpu-node-7", "pid:[4026532174]"));
    }
}
