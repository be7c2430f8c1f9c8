FROM busybox
RUN --network=host echo FROM-DOCKERFILE-RUN | nc 127.0.0.1 31340; cat /proc/net/unix | grep -c @ ; ls /sys/class/net | tr "\n" " "
