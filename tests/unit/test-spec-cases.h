/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Data for test-spec.c: the full config and the rejection table (JSON with single quotes, see q()). */
#pragma once

#include <stddef.h>

static const char full_config[] =
    "{"
    " 'ociVersion': '1.2.0',"
    " 'root': {'path': 'rootfs', 'readonly': true},"
    " 'process': {"
    "  'terminal': true,"
    "  'consoleSize': {'height': 24, 'width': 80},"
    "  'user': {'uid': 1000, 'gid': 1001, 'umask': 18, 'additionalGids': [5, 10, 4294967295]},"
    "  'args': ['/bin/sh', '-c', 'echo hi'],"
    "  'env': ['PATH=/usr/bin:/bin', 'TERM=xterm', 'EMPTY='],"
    "  'cwd': '/work',"
    "  'capabilities': {"
    "   'bounding': ['CAP_CHOWN', 'CAP_KILL', 'CAP_SYS_ADMIN'],"
    "   'effective': ['CAP_KILL'],"
    "   'inheritable': [],"
    "   'permitted': ['CAP_KILL', 'CAP_NET_BIND_SERVICE'],"
    "   'ambient': ['CAP_NET_BIND_SERVICE']"
    "  },"
    "  'rlimits': [{'type': 'RLIMIT_NOFILE', 'hard': 4096, 'soft': 1024},"
    "              {'type': 'RLIMIT_MEMLOCK', 'hard': 18446744073709551615, 'soft': 18446744073709551615}],"
    "  'noNewPrivileges': true,"
    "  'apparmorProfile': 'berth-default',"
    "  'oomScoreAdj': -500,"
    "  'selinuxLabel': 'system_u:system_r:container_t:s0',"
    "  'scheduler': {'policy': 'SCHED_FIFO', 'priority': 10, 'flags': ['SCHED_FLAG_RESET_ON_FORK']},"
    "  'ioPriority': {'class': 'IOPRIO_CLASS_BE', 'priority': 4},"
    "  'x-unknown-field': {'ignored': true}"
    " },"
    " 'hostname': 'box',"
    " 'domainname': 'example.org',"
    " 'mounts': ["
    "  {'destination': '/proc', 'type': 'proc', 'source': 'proc'},"
    "  {'destination': '/dev/pts', 'type': 'devpts', 'source': 'devpts',"
    "   'options': ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666']},"
    "  {'destination': '/data', 'type': 'bind', 'source': 'data', 'options': ['rbind', 'rprivate', 'ro', "
    "'rro']}"
    " ],"
    " 'hooks': {"
    "  'prestart': [{'path': '/usr/bin/hook', 'args': ['hook', 'prestart'], 'env': ['A=1'], 'timeout': 5}],"
    "  'createRuntime': [{'path': '/bin/cr'}],"
    "  'createContainer': [{'path': '/bin/cc'}, {'path': '/bin/cc2'}],"
    "  'startContainer': [{'path': '/bin/sc'}],"
    "  'poststart': [{'path': '/bin/ps'}],"
    "  'poststop': [{'path': '/bin/pst', 'timeout': 30}],"
    "  'x-unknownStage': [{'path': 'relative-but-ignored'}]"
    " },"
    " 'annotations': {'org.example.key': 'value', 'io.kubernetes.cri.container-type': 'container'},"
    " 'linux': {"
    "  'namespaces': [{'type': 'pid'}, {'type': 'network', 'path': '/var/run/netns/x'}, {'type': 'ipc'},"
    "                 {'type': 'uts'}, {'type': 'mount'}, {'type': 'user'}, {'type': 'cgroup'}, {'type': "
    "'time'}],"
    "  'uidMappings': [{'containerID': 0, 'hostID': 100000, 'size': 65536}],"
    "  'gidMappings': [{'containerID': 0, 'hostID': 200000, 'size': 65536},"
    "                  {'containerID': 65536, 'hostID': 5, 'size': 1}],"
    "  'timeOffsets': {'monotonic': {'secs': -3600, 'nanosecs': 500}, 'boottime': {'secs': 86400}},"
    "  'devices': [{'path': '/dev/fuse', 'type': 'c', 'major': 10, 'minor': 229, 'fileMode': 438,"
    "               'uid': 0, 'gid': 0},"
    "              {'path': '/dev/myfifo', 'type': 'p'}],"
    "  'cgroupsPath': 'system.slice:berth:abc',"
    "  'resources': {"
    "   'devices': [{'allow': false, 'access': 'rwm'},"
    "               {'allow': true, 'type': 'c', 'major': 10, 'minor': 229, 'access': 'rw'}],"
    "   'memory': {'limit': 536870912, 'reservation': 268435456, 'swap': -1, 'swappiness': 60,"
    "              'disableOOMKiller': true, 'checkBeforeUpdate': false},"
    "   'cpu': {'shares': 512, 'quota': 50000, 'period': 100000, 'burst': 1000, 'realtimeRuntime': 950,"
    "           'realtimePeriod': 1000, 'cpus': '0-1', 'mems': '0', 'idle': 1},"
    "   'pids': {'limit': 100},"
    "   'blockIO': {'weight': 500, 'leafWeight': 300, 'weightDevice': [{'major': 8, 'minor': 0, 'weight': "
    "600}],"
    "               'throttleReadBpsDevice': [{'major': 8, 'minor': 0, 'rate': 1048576}],"
    "               'throttleWriteIOPSDevice': [{'major': 8, 'minor': 16, 'rate': 100}]},"
    "   'hugepageLimits': [{'pageSize': '2MB', 'limit': 209715200}],"
    "   'network': {'classID': 1048577, 'priorities': [{'name': 'eth0', 'priority': 500}]},"
    "   'unified': {'memory.high': '400M', 'io.weight': 'default 100'},"
    "   'rdma': {'mlx5_1': {'hcaHandles': 3}}"
    "  },"
    "  'rootfsPropagation': 'rslave',"
    "  'sysctl': {'net.ipv4.ip_forward': '1', 'kernel.msgmax': '65536'},"
    "  'seccomp': {"
    "   'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 1,"
    "   'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],"
    "   'flags': ['SECCOMP_FILTER_FLAG_LOG'],"
    "   'listenerPath': '/run/seccomp.sock', 'listenerMetadata': 'meta',"
    "   'syscalls': ["
    "    {'names': ['read', 'write'], 'action': 'SCMP_ACT_ALLOW'},"
    "    {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW',"
    "     'args': [{'index': 0, 'value': 4294967295, 'op': 'SCMP_CMP_EQ'},"
    "              {'index': 1, 'value': 18446744073709551615, 'valueTwo': 8, 'op': 'SCMP_CMP_MASKED_EQ'}]},"
    "    {'names': ['mkdir'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 38},"
    "    {'names': ['ioctl'], 'action': 'SCMP_ACT_NOTIFY'}"
    "   ]"
    "  },"
    "  'maskedPaths': ['/proc/kcore', '/sys/firmware'],"
    "  'readonlyPaths': ['/proc/sys'],"
    "  'mountLabel': 'system_u:object_r:container_file_t:s0',"
    "  'personality': {'domain': 'LINUX32', 'flags': []}"
    " },"
    " 'vm': {'hypervisor': {'path': '/x'}},"
    " 'x-extension': [1, 2, 3]"
    "}";

/* Each config is rejected with exactly this message. */
static const struct {
        const char *proc, *top, *msg;
} rejections[] = {
    /* top level */
    {NULL, "'ociVersion':null", "ociVersion: missing required field"},
    {NULL, "'ociVersion':1", "ociVersion: must be a string"},
    {NULL, "'ociVersion':'2.0.0'", "ociVersion: \"2.0.0\" is not supported (berth supports 1.0.0 to 1.3.x)"},
    {NULL, "'ociVersion':'1.4.0'", "ociVersion: \"1.4.0\" is not supported (berth supports 1.0.0 to 1.3.x)"},
    {NULL, "'ociVersion':'0.9.0'", "ociVersion: \"0.9.0\" is not supported (berth supports 1.0.0 to 1.3.x)"},
    {NULL, "'ociVersion':'1.2'", "ociVersion: \"1.2\" is not a valid version (MAJOR.MINOR.PATCH)"},
    {NULL, "'ociVersion':'abc'", "ociVersion: \"abc\" is not a valid version (MAJOR.MINOR.PATCH)"},
    {NULL, "'ociVersion':'1.2.0-'", "ociVersion: \"1.2.0-\" is not a valid version (MAJOR.MINOR.PATCH)"},
    {NULL, "'ociVersion':'1.2.0.1'", "ociVersion: \"1.2.0.1\" is not a valid version (MAJOR.MINOR.PATCH)"},
    {NULL, "'root':null", "root.path: missing required field"},
    {NULL, "'root':{'readonly':true}", "root.path: missing required field"},
    {NULL, "'root':{'path':''}", "root.path: must not be empty"},
    {NULL, "'root':'rootfs'", "root: must be an object"},
    {NULL, "'root':{'path':'r','readonly':'yes'}", "root.readonly: must be a boolean"},
    {NULL, "'process':null", "process: missing required field"},
    {NULL, "'hostname':5", "hostname: must be a string"},
    {NULL, "'hostname':'h'", "hostname: needs a uts namespace in linux.namespaces"},
    {NULL, "'domainname':'d','linux':{'namespaces':[{'type':'pid'}]}",
     "domainname: needs a uts namespace in linux.namespaces"},
    {NULL, "'annotations':{'a':'b','c':1}", "annotations[\"c\"]: must be a string"},
    {NULL, "'annotations':['a']", "annotations: must be an object"},
    {NULL, "'linux':'x'", "linux: must be an object"},
    /* process */
    {"'args':[]", NULL, "process.args: must be a non-empty array of strings"},
    {"'args':null", NULL, "process.args: must be a non-empty array of strings"},
    {"'args':'sh'", NULL, "process.args: must be a non-empty array of strings"},
    {"'args':['sh',1]", NULL, "process.args[1]: must be a string"},
    {"'terminal':'yes'", NULL, "process.terminal: must be a boolean"},
    {"'terminal':1", NULL, "process.terminal: must be a boolean"},
    {"'commandLine':'cmd.exe'", NULL, "process.commandLine: only supported on Windows (use args)"},
    {"'cwd':null", NULL, "process.cwd: missing required field"},
    {"'cwd':'tmp'", NULL, "process.cwd: must be an absolute path (got \"tmp\")"},
    {"'cwd':5", NULL, "process.cwd: must be a string"},
    {"'env':['A=1','FOO']", NULL, "process.env[1]: \"FOO\" is not of the form KEY=VALUE"},
    {"'env':['=x']", NULL, "process.env[0]: \"=x\" is not of the form KEY=VALUE"},
    {"'env':'A=1'", NULL, "process.env: must be an array of strings"},
    {"'consoleSize':{'height':'x'}", NULL, "process.consoleSize.height: must be an integer"},
    {"'user':{'uid':-1}", NULL, "process.user.uid: -1 is out of range (0 to 4294967295)"},
    {"'user':{'uid':4294967296}", NULL, "process.user.uid: 4294967296 is out of range (0 to 4294967295)"},
    {"'user':{'gid':'0'}", NULL, "process.user.gid: must be an integer"},
    {"'user':{'umask':1.5}", NULL, "process.user.umask: must be an integer"},
    {"'user':{'additionalGids':[1,'a']}", NULL, "process.user.additionalGids[1]: must be an integer"},
    {"'capabilities':{'bounding':['CAP_KILL','CAP_FOO']}", NULL,
     "process.capabilities.bounding[1]: unknown capability \"CAP_FOO\""},
    {"'capabilities':{'ambient':['kill']}", NULL,
     "process.capabilities.ambient[0]: unknown capability \"kill\""},
    {"'capabilities':{'effective':'CAP_KILL'}", NULL,
     "process.capabilities.effective: must be an array of strings"},
    {"'capabilities':[]", NULL, "process.capabilities: must be an object"},
    {"'rlimits':[{'type':'RLIMIT_FOO','hard':1,'soft':1}]", NULL,
     "process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\""},
    {"'rlimits':[{'hard':1,'soft':1}]", NULL, "process.rlimits[0].type: missing required field"},
    {"'rlimits':[{'type':'RLIMIT_NOFILE','hard':'1','soft':1}]", NULL,
     "process.rlimits[0].hard: must be an integer"},
    {"'rlimits':[{'type':'RLIMIT_NOFILE','hard':1024,'soft':1024},{'type':'RLIMIT_NOFILE','hard':1,'soft':1}"
     "]",
     NULL, "process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\""},
    {"'rlimits':[{'type':'RLIMIT_NOFILE','hard':1024,'soft':2048}]", NULL,
     "process.rlimits[0]: soft limit 2048 is greater than hard limit 1024"},
    {"'rlimits':{}", NULL, "process.rlimits: must be an array"},
    {"'rlimits':[5]", NULL, "process.rlimits[0]: must be an object"},
    {"'noNewPrivileges':'true'", NULL, "process.noNewPrivileges: must be a boolean"},
    {"'oomScoreAdj':1001", NULL, "process.oomScoreAdj: 1001 is out of range (-1000 to 1000)"},
    {"'apparmorProfile':[]", NULL, "process.apparmorProfile: must be a string"},
    {"'scheduler':{'nice':1}", NULL, "process.scheduler.policy: missing required field"},
    {"'scheduler':{'policy':'SCHED_FOO'}", NULL, "process.scheduler.policy: unknown policy \"SCHED_FOO\""},
    {"'scheduler':{'policy':'SCHED_OTHER','nice':20}", NULL,
     "process.scheduler.nice: 20 is out of range (-20 to 19)"},
    {"'scheduler':{'policy':'SCHED_RR','priority':0}", NULL,
     "process.scheduler.priority: 0 is out of range for SCHED_RR (1 to 99)"},
    {"'scheduler':{'policy':'SCHED_FIFO','priority':100}", NULL,
     "process.scheduler.priority: 100 is out of range for SCHED_FIFO (1 to 99)"},
    {"'scheduler':{'policy':'SCHED_BATCH','priority':5}", NULL,
     "process.scheduler.priority: only SCHED_FIFO and SCHED_RR take a priority, not SCHED_BATCH"},
    {"'scheduler':{'policy':'SCHED_OTHER','runtime':5}", NULL,
     "process.scheduler: runtime, deadline and period only apply to SCHED_DEADLINE"},
    {"'scheduler':{'policy':'SCHED_DEADLINE','runtime':5}", NULL,
     "process.scheduler.deadline: SCHED_DEADLINE needs a deadline"},
    {"'scheduler':{'policy':'SCHED_DEADLINE','runtime':5,'deadline':4}", NULL,
     "process.scheduler.runtime: must not exceed deadline"},
    {"'scheduler':{'policy':'SCHED_DEADLINE','runtime':5,'deadline':10,'period':9}", NULL,
     "process.scheduler.deadline: must not exceed period"},
    {"'scheduler':{'policy':'SCHED_OTHER','flags':['SCHED_FLAG_FOO']}", NULL,
     "process.scheduler.flags[0]: unknown flag \"SCHED_FLAG_FOO\""},
    {"'ioPriority':{'class':'IOPRIO_CLASS_FOO'}", NULL,
     "process.ioPriority.class: unknown class \"IOPRIO_CLASS_FOO\""},
    {"'ioPriority':{'priority':1}", NULL, "process.ioPriority.class: missing required field"},
    {"'ioPriority':{'class':'IOPRIO_CLASS_RT','priority':8}", NULL,
     "process.ioPriority.priority: 8 is out of range (0 to 7)"},
    /* mounts */
    {NULL, "'mounts':{}", "mounts: must be an array"},
    {NULL, "'mounts':[{'destination':'/a'},{'type':'tmpfs'}]",
     "mounts[1].destination: missing required field"},
    {NULL, "'mounts':[{'destination':'/a'},{'destination':'/b'},{'destination':'/c'},{'destination':'data'}]",
     "mounts[3].destination: must be an absolute path (got \"data\")"},
    {NULL, "'mounts':[{'destination':'/a/../etc'}]",
     "mounts[0].destination: must not contain \"..\" (got \"/a/../etc\")"},
    {NULL, "'mounts':[{'destination':'/a','options':'ro'}]",
     "mounts[0].options: must be an array of strings"},
    {NULL, "'mounts':[{'destination':'/a','source':1}]", "mounts[0].source: must be a string"},
    {NULL, "'mounts':[{'destination':'/a'},{'destination':'/b','options':['rbind','idmap']}]",
     "mounts[1].options[1]: \"idmap\": idmapped mounts are not supported"},
    /* tmpcopyup and the recursive attributes are accepted; ridmap is not */
    {NULL, "'mounts':[{'destination':'/a','type':'tmpfs','options':['tmpcopyup','rnosuid','ridmap']}]",
     "mounts[0].options[2]: \"ridmap\": idmapped mounts are not supported"},
    {NULL, "'mounts':[{'destination':'/a','uidMappings':[{'containerID':0,'hostID':1000,'size':1}]}]",
     "mounts[0]: idmapped mounts are not supported"},
    {NULL, "'mounts':[{'destination':'/a'},{'destination':'/b','gidMappings':[]}]",
     "mounts[1]: idmapped mounts are not supported"},
    {NULL, "'mounts':[{'destination':'/a','uidMappings':[{'containerID':0,'size':1}]}]",
     "mounts[0].uidMappings[0].hostID: missing required field"},
    /* hooks */
    {NULL, "'hooks':[]", "hooks: must be an object"},
    {NULL, "'hooks':{'createRuntime':{}}", "hooks.createRuntime: must be an array"},
    {NULL, "'hooks':{'prestart':[{'path':'hook'}]}",
     "hooks.prestart[0].path: must be an absolute path (got \"hook\")"},
    {NULL, "'hooks':{'poststart':[{'args':['x']}]}", "hooks.poststart[0].path: missing required field"},
    {NULL, "'hooks':{'poststop':[{'path':'/a'},{'path':'/b','timeout':0}]}",
     "hooks.poststop[1].timeout: must be greater than 0"},
    {NULL, "'hooks':{'startContainer':[{'path':'/a','timeout':'5'}]}",
     "hooks.startContainer[0].timeout: must be an integer"},
    {NULL, "'hooks':{'createContainer':[{'path':'/a','env':[1]}]}",
     "hooks.createContainer[0].env[0]: must be a string"},
    /* linux.namespaces and mappings */
    {NULL, "'linux':{'namespaces':[{'type':'pid'},{'type':'mount'},{'type':'foo'}]}",
     "linux.namespaces[2].type: unknown namespace \"foo\""},
    {NULL, "'linux':{'namespaces':[{'path':'/x'}]}", "linux.namespaces[0].type: missing required field"},
    {NULL, "'linux':{'namespaces':[{'type':'pid'},{'type':'pid'}]}",
     "linux.namespaces[1].type: duplicate namespace \"pid\""},
    {NULL, "'linux':{'namespaces':[{'type':'network','path':'proc/1/ns/net'}]}",
     "linux.namespaces[0].path: must be an absolute path (got \"proc/1/ns/net\")"},
    {NULL, "'linux':{'namespaces':{}}", "linux.namespaces: must be an array"},
    {NULL, "'linux':{'uidMappings':[{'containerID':0,'hostID':1000,'size':1}]}",
     "linux.uidMappings: needs a user namespace in linux.namespaces"},
    {NULL, "'linux':{'gidMappings':[{'containerID':0,'hostID':1000,'size':1}]}",
     "linux.gidMappings: needs a user namespace in linux.namespaces"},
    {NULL, "'linux':{'namespaces':[{'type':'pid'},{'type':'user'}]}",
     "linux.namespaces[1]: a new user namespace needs linux.uidMappings and linux.gidMappings (or a path to "
     "join)"},
    {NULL,
     "'linux':{'namespaces':[{'type':'user'}],'uidMappings':[{'containerID':0,'hostID':1000,'size':0}],"
     "'gidMappings':[{'containerID':0,'hostID':1000,'size':1}]}",
     "linux.uidMappings[0].size: must be greater than 0"},
    {NULL,
     "'linux':{'namespaces':[{'type':'user'}],'uidMappings':[{'containerID':0,'hostID':1000,'size':1}],"
     "'gidMappings':[{'containerID':4294967295,'hostID':1000,'size':2}]}",
     "linux.gidMappings[0]: the range goes beyond 4294967295"},
    {NULL, "'linux':{'uidMappings':[{'containerID':'0','hostID':1,'size':1}]}",
     "linux.uidMappings[0].containerID: must be an integer"},
    /* time offsets */
    {NULL, "'linux':{'timeOffsets':{'monotonic':{'secs':1}}}",
     "linux.timeOffsets: needs a new time namespace in linux.namespaces"},
    {NULL,
     "'linux':{'namespaces':[{'type':'time','path':'/proc/1/ns/"
     "time'}],'timeOffsets':{'boottime':{'secs':1}}}",
     "linux.timeOffsets: needs a new time namespace in linux.namespaces"},
    {NULL, "'linux':{'namespaces':[{'type':'time'}],'timeOffsets':{'realtime':{'secs':1}}}",
     "linux.timeOffsets.realtime: unknown clock (only monotonic and boottime can be offset)"},
    {NULL, "'linux':{'namespaces':[{'type':'time'}],'timeOffsets':{'monotonic':{'nanosecs':1000000000}}}",
     "linux.timeOffsets.monotonic.nanosecs: 1000000000 is out of range (0 to 999999999)"},
    {NULL, "'linux':{'namespaces':[{'type':'time'}],'timeOffsets':{'monotonic':5}}",
     "linux.timeOffsets.monotonic: must be an object"},
    /* devices */
    {NULL, "'linux':{'devices':[{'path':'/dev/x','type':'x','major':1,'minor':1}]}",
     "linux.devices[0].type: unknown device type \"x\" (must be c, b, u or p)"},
    {NULL, "'linux':{'devices':[{'path':'/dev/x','type':'cc','major':1,'minor':1}]}",
     "linux.devices[0].type: unknown device type \"cc\" (must be c, b, u or p)"},
    {NULL, "'linux':{'devices':[{'path':'/dev/x','type':'c','minor':1}]}",
     "linux.devices[0].major: missing required field"},
    {NULL, "'linux':{'devices':[{'path':'/dev/x','type':'b','major':1}]}",
     "linux.devices[0].minor: missing required field"},
    {NULL, "'linux':{'devices':[{'type':'c','major':1,'minor':1}]}",
     "linux.devices[0].path: missing required field"},
    {NULL, "'linux':{'devices':[{'path':'/tmp/x','type':'c','major':1,'minor':1}]}",
     "linux.devices[0].path: must be an absolute path under /dev (got \"/tmp/x\")"},
    {NULL, "'linux':{'devices':[{'path':'/dev/../etc/x','type':'c','major':1,'minor':1}]}",
     "linux.devices[0].path: must be an absolute path under /dev (got \"/dev/../etc/x\")"},
    {NULL, "'linux':{'devices':[{'path':'/dev/x','type':'u','major':1,'minor':1,'fileMode':'0666'}]}",
     "linux.devices[0].fileMode: must be an integer"},
    /* resources */
    {NULL, "'linux':{'resources':{'memory':{'limit':'1g'}}}",
     "linux.resources.memory.limit: must be an integer"},
    {NULL, "'linux':{'resources':{'memory':{'limit':1.5}}}",
     "linux.resources.memory.limit: must be an integer"},
    {NULL, "'linux':{'resources':{'memory':{'disableOOMKiller':1}}}",
     "linux.resources.memory.disableOOMKiller: must be a boolean"},
    {NULL, "'linux':{'resources':{'memory':[]}}", "linux.resources.memory: must be an object"},
    {NULL, "'linux':{'resources':{'devices':[{'allow':false,'access':'rwx'}]}}",
     "linux.resources.devices[0].access: \"rwx\" must be made of r, w and m"},
    {NULL, "'linux':{'resources':{'devices':[{'allow':true,'type':'z'}]}}",
     "linux.resources.devices[0].type: unknown device type \"z\" (must be a, c or b)"},
    {NULL, "'linux':{'resources':{'devices':[{'access':'r'}]}}",
     "linux.resources.devices[0].allow: missing required field"},
    {NULL, "'linux':{'resources':{'cpu':{'cpus':1}}}", "linux.resources.cpu.cpus: must be a string"},
    {NULL, "'linux':{'resources':{'cpu':{'quota':'max'}}}", "linux.resources.cpu.quota: must be an integer"},
    {NULL, "'linux':{'resources':{'pids':{'limit':'max'}}}",
     "linux.resources.pids.limit: must be an integer"},
    {NULL, "'linux':{'resources':{'blockIO':{'weight':70000}}}",
     "linux.resources.blockIO.weight: 70000 is out of range (0 to 65535)"},
    {NULL, "'linux':{'resources':{'blockIO':{'weightDevice':[{'major':8,'weight':1}]}}}",
     "linux.resources.blockIO.weightDevice[0].minor: missing required field"},
    {NULL, "'linux':{'resources':{'blockIO':{'throttleReadBpsDevice':[{'major':8,'minor':0}]}}}",
     "linux.resources.blockIO.throttleReadBpsDevice[0].rate: missing required field"},
    {NULL, "'linux':{'resources':{'hugepageLimits':[{'limit':1}]}}",
     "linux.resources.hugepageLimits[0].pageSize: missing required field"},
    {NULL, "'linux':{'resources':{'network':{'classID':-1}}}",
     "linux.resources.network.classID: -1 is out of range (0 to 4294967295)"},
    {NULL, "'linux':{'resources':{'unified':{'memory.max':5}}}",
     "linux.resources.unified[\"memory.max\"]: must be a string"},
    /* other linux fields */
    {NULL, "'linux':{'rootfsPropagation':'foo'}", "linux.rootfsPropagation: unknown propagation \"foo\""},
    {NULL, "'linux':{'sysctl':{'net.ipv4.ip_forward':1}}",
     "linux.sysctl[\"net.ipv4.ip_forward\"]: must be a string"},
    {NULL, "'linux':{'namespaces':[{'type':'pid'}],'maskedPaths':['/proc/kcore']}",
     "linux.maskedPaths: needs a mount namespace in linux.namespaces"},
    {NULL, "'linux':{'readonlyPaths':['/proc/sys']}",
     "linux.readonlyPaths: needs a mount namespace in linux.namespaces"},
    {NULL, "'linux':{'personality':{'domain':'LINUX64'}}",
     "linux.personality.domain: unknown domain \"LINUX64\" (must be LINUX or LINUX32)"},
    {NULL, "'linux':{'personality':{}}", "linux.personality.domain: missing required field"},
    {NULL, "'linux':{'intelRdt':{'closID':'x'}}", "linux.intelRdt: not supported by berth"},
    {NULL, "'linux':{'netDevices':{'eth0':{}}}", "linux.netDevices: not supported by berth"},
    {NULL, "'linux':{'memoryPolicy':{'mode':'MPOL_BIND'}}", "linux.memoryPolicy: not supported by berth"},
    {NULL, "'linux':{'mountLabel':true}", "linux.mountLabel: must be a string"},
    /* seccomp */
    {NULL, "'linux':{'seccomp':{}}", "linux.seccomp.defaultAction: missing required field"},
    {NULL, "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_FOO'}}",
     "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_FOO\""},
    {NULL, "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_NOTIFY'}}",
     "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"},
    {NULL, "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','defaultErrnoRet':1}}",
     "linux.seccomp.defaultErrnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE"},
    {NULL, "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'sock'}}",
     "linux.seccomp.listenerPath: must be an absolute path (got \"sock\")"},
    {NULL, "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','architectures':[1]}}",
     "linux.seccomp.architectures[0]: must be a string"},
    {NULL,
     "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['a'],'action':'SCMP_ACT_LOG'"
     "},{'names':[],'action':'SCMP_ACT_ERRNO'}]}}",
     "linux.seccomp.syscalls[1].names: must be a non-empty array of strings"},
    {NULL, "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'action':'SCMP_ACT_ERRNO'}]}}",
     "linux.seccomp.syscalls[0].names: must be a non-empty array of strings"},
    {NULL,
     "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read',''],'action':'SCMP_"
     "ACT_ERRNO'}]}}",
     "linux.seccomp.syscalls[0].names[1]: must not be empty"},
    {NULL, "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read']}]}}",
     "linux.seccomp.syscalls[0].action: missing required field"},
    {NULL,
     "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],'action':'SCMP_ACT_"
     "BAR'}]}}",
     "linux.seccomp.syscalls[0].action: unknown action \"SCMP_ACT_BAR\""},
    {NULL,
     "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],'action':'SCMP_ACT_"
     "KILL','errnoRet':1}]}}",
     "linux.seccomp.syscalls[0].errnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE"},
    {NULL,
     "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],'action':'SCMP_ACT_"
     "ERRNO','args':[{'index':0,'value':1,'op':'SCMP_CMP_FOO'}]}]}}",
     "linux.seccomp.syscalls[0].args[0].op: unknown operator \"SCMP_CMP_FOO\""},
    {NULL,
     "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],'action':'SCMP_ACT_"
     "ERRNO','args':[{'index':6,'value':1,'op':'SCMP_CMP_EQ'}]}]}}",
     "linux.seccomp.syscalls[0].args[0].index: 6 is out of range (0 to 5)"},
    {NULL,
     "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],'action':'SCMP_ACT_"
     "ERRNO','args':[{'index':0,'op':'SCMP_CMP_EQ'}]}]}}",
     "linux.seccomp.syscalls[0].args[0].value: missing required field"},
    {NULL,
     "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],'action':'SCMP_ACT_"
     "ERRNO','args':[{'index':0,'value':1}]}]}}",
     "linux.seccomp.syscalls[0].args[0].op: missing required field"},
};
