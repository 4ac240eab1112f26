import Foundation
import Testing

@testable import KubeAPI

@Suite("Generated models")
struct ModelTests {

    /// Decodes `manifest` as `T`, encodes it again, and expects the same JSON.
    func roundTrip<T: Codable>(_ type: T.Type, _ manifest: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let original = try JSONParser().parse(Array(manifest.utf8))
        let model = try JSONDecoder().decode(T.self, from: Data(manifest.utf8))
        let encoded = try JSONParser().parse(Array(try JSONEncoder().encode(model)))
        #expect(encoded == original, "\(T.self) lost or changed a field", sourceLocation: sourceLocation)
    }

    @Test("a full Deployment manifest round-trips without losing a field")
    func deployment() throws {
        try roundTrip(AppsV1.Deployment.self, """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop","labels":{"app":"web"},
             "annotations":{"a":"b"},"ownerReferences":[{"apiVersion":"v1","kind":"X","name":"o","uid":"u","controller":true}],
             "finalizers":["f"],"creationTimestamp":"2026-01-01T00:00:00Z","generation":3,"resourceVersion":"42","uid":"1"},
             "spec":{"replicas":3,"revisionHistoryLimit":10,"progressDeadlineSeconds":600,"minReadySeconds":5,"paused":false,
              "selector":{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["a","b"]}]},
              "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":1}},
              "template":{"metadata":{"labels":{"app":"web"}},"spec":{
               "initContainers":[{"name":"init","image":"busybox","command":["sh","-c","true"]}],
               "containers":[{"name":"web","image":"nginx:1.27","imagePullPolicy":"IfNotPresent","args":["-g","daemon off;"],
                "ports":[{"containerPort":80,"name":"http","protocol":"TCP"}],
                "env":[{"name":"A","value":"1"},{"name":"B","valueFrom":{"secretKeyRef":{"name":"s","key":"k","optional":true}}}],
                "resources":{"requests":{"cpu":"500m","memory":"128Mi"},"limits":{"cpu":"1","memory":"1Gi","nvidia.com/gpu":"1"}},
                "readinessProbe":{"httpGet":{"path":"/healthz","port":"http","scheme":"HTTP"},"initialDelaySeconds":3,"periodSeconds":10},
                "livenessProbe":{"tcpSocket":{"port":80},"failureThreshold":3},
                "volumeMounts":[{"name":"data","mountPath":"/data","readOnly":true}],
                "securityContext":{"runAsNonRoot":true,"runAsUser":1000,"capabilities":{"drop":["ALL"]},"allowPrivilegeEscalation":false}}],
               "volumes":[{"name":"data","persistentVolumeClaim":{"claimName":"pvc"}},{"name":"cfg","configMap":{"name":"c","items":[{"key":"k","path":"p"}],"defaultMode":420}}],
               "affinity":{"podAntiAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":100,"podAffinityTerm":{"labelSelector":{"matchLabels":{"app":"web"}},"topologyKey":"kubernetes.io/hostname"}}]}},
               "tolerations":[{"key":"dedicated","operator":"Equal","value":"x","effect":"NoSchedule","tolerationSeconds":30}],
               "topologySpreadConstraints":[{"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule","labelSelector":{"matchLabels":{"app":"web"}}}],
               "nodeSelector":{"disk":"ssd"},"serviceAccountName":"web","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","restartPolicy":"Always"}}},
             "status":{"replicas":3,"readyReplicas":2,"conditions":[{"type":"Available","status":"True","lastUpdateTime":"2026-01-01T00:00:00Z","reason":"r","message":"m"}]}}
            """)
    }

    @Test("Services, Jobs and RBAC objects round-trip")
    func others() throws {
        try roundTrip(CoreV1.Service.self, """
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"type":"NodePort","clusterIP":"10.43.0.9","clusterIPs":["10.43.0.9"],
             "ports":[{"name":"https","port":443,"targetPort":8443,"nodePort":30443,"protocol":"TCP"}],"selector":{"app":"web"},"sessionAffinity":"None"},
             "status":{"loadBalancer":{}}}
            """)
        try roundTrip(BatchV1.CronJob.self, """
            {"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"c"},"spec":{"schedule":"*/5 * * * *","concurrencyPolicy":"Forbid",
             "jobTemplate":{"spec":{"backoffLimit":2,"template":{"spec":{"restartPolicy":"OnFailure","containers":[{"name":"c","image":"i"}]}}}}}}
            """)
        try roundTrip(RbacV1.ClusterRoleBinding.self, """
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"b"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},"subjects":[{"kind":"Group","name":"devs"}]}
            """)
    }
}
