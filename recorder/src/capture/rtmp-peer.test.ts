import { describe, expect, it } from "vitest";
import { establishedPeers } from "./rtmp-peer";

// Lines as /proc/net/tcp and tcp6 print them (listening on 1935 = 0x078F).
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:078F 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1061 1 0 100 0 0 10 0
   1: 0201A8C0:078F 0A01A8C0:D431 01 00000000:00000000 00:00000000 00000000  1000        0 2222 1 0 20 4 30 10 -1
   2: 0201A8C0:D432 0B01A8C0:078F 01 00000000:00000000 00:00000000 00000000  1000        0 3333 1 0 20 4 30 10 -1
   3: 0201A8C0:0016 0C01A8C0:E000 01 00000000:00000000 00:00000000 00000000     0        0 4444 1 0 20 4 30 10 -1
   4: 0201A8C0:078F 0D01A8C0:D433 06 00000000:00000000 03:00000000 00000000     0        0 0 3 0
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0000000000000000FFFF00000201A8C0:078F 0000000000000000FFFF00000A01A8C0:C350 01 00000000:00000000 00:00000000 00000000  1000        0 5555 1 0 20 4 30 10 -1
   1: 00000000000000000000000000000000:078F 000080FE00000000FF221102554433FE:C351 01 00000000:00000000 00:00000000 00000000  1000        0 6666 1 0 20 4 30 10 -1
`;

describe("establishedPeers", () => {
  it("names the remote end of established connections on the listening port only", () => {
    // Not the listener itself (0A), not our own outgoing connection to another 1935,
    // not another service, not a connection in TIME_WAIT (06).
    expect(establishedPeers(TCP, 1935)).toEqual(["192.168.1.10:54321"]);
    expect(establishedPeers(TCP, 22)).toEqual(["192.168.1.12:57344"]);
    expect(establishedPeers(TCP, 8080)).toEqual([]);
  });

  it("reads IPv4-mapped and real IPv6 peers from tcp6", () => {
    expect(establishedPeers(TCP6, 1935)).toEqual([
      "192.168.1.10:50000",
      "[fe80::211:22ff:fe33:4455]:50001",
    ]);
  });

  it("ignores a header-only or garbled table", () => {
    expect(establishedPeers("", 1935)).toEqual([]);
    expect(establishedPeers(`${TCP.split("\n")[0]}\n   9: zz:078F yy:0001 01\n`, 1935)).toEqual([]);
  });
});
