/**
 * Boot harness: runs the instance-side code the way EC2 runs it, with real
 * cloud-init and real systemd as PID 1, in a systemd-nspawn container.
 *
 * What is simulated, and how it differs from EC2:
 * - The machine: a Debian bookworm image (debootstrap, cached; see rootfs.ts), not the
 *   product's Ubuntu AMI. Each guest boots an overlayfs over it, so it starts clean and
 *   keeps its changes across reboot(). A container, not a VM: the host kernel, no
 *   udev (the harness makes device nodes), /sys read-only, no kernel modules.
 * - User data: cloud-init's NoCloud seed in the guest instead of the EC2 datasource
 *   (the script runs the same way: cloud-final, systemd's environment, no HOME).
 * - Network: a namespace per guest with loopback only. 169.254.169.254 is on its lo,
 *   served by an IMDSv2 stand-in (netns_services.py: tokens required, static role
 *   credentials). No internet; no VPC addresses.
 * - AWS: moto (moto_server.py, plus CloudFormation SignalResource) at
 *   http://127.0.0.1:5000 inside every guest namespace; systemd's default environment
 *   carries AWS_ENDPOINT_URL, and a test-only shim makes bookworm's older botocore
 *   honour it. The test process reaches the same moto at environment.aws.
 * - EBS: a sparse file on a loop device. Its device node appears in the guest only
 *   after moto reports the volume attached to the guest's instance (the harness polls
 *   DescribeVolumes every 0.5 s), named as on Nitro (/dev/nvme1n1 plus
 *   /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol…) or Xen (/dev/xvdX).
 *
 * Needs root on Linux; see tools.ts for the host commands.
 */
export {createEnvironment, bootGuest, TEST_CREDENTIALS} from './environment.js'
export type {BootEnvironment, RecordedSignal, SeededInstance, SeededVolume} from './environment.js'
export type {ExecOptions, Guest, GuestFile, GuestOptions, GuestVolume, VolumeStyle} from './guest.js'
export {ensureRootfs, cacheDir, GUEST_PACKAGES, type RootfsInfo} from './rootfs.js'
export {missingBootTools} from './tools.js'
export type {RunResult} from './proc.js'
