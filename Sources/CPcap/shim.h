#ifndef INTERPOSE_CPCAP_SHIM_H
#define INTERPOSE_CPCAP_SHIM_H
// libpcap, from Debian's libpcap-dev: the reference reader, BPF compiler and live capture engine.
#include <pcap/pcap.h>
#endif
