"""Starts moto's AWS API server with what its CloudFormation lacks for kept data.

AWS behaviour the end-to-end test of kept data relies on, which moto's CloudFormation
does not model (the product has no code for moto; the gaps are filled here):

* ``AWS::EC2::Volume`` takes its ``Tags``, ``SnapshotId``, ``Encrypted`` and
  ``VolumeType`` (moto creates an untagged, empty volume of the size only).
* ``DeletionPolicy: Snapshot`` on a volume takes a final snapshot and deletes the volume
  (moto leaves the volume). The snapshot carries no tags, as in AWS.
* ``Fn::GetAtt`` of ``AWS::EFS::FileSystem`` (``Arn``, ``FileSystemId``).

Usage: python3 kept-data-moto.py PORT
"""

import sys

from moto.cloudformation import parsing
from moto.ec2.models import ec2_backends
from moto.ec2.models.elastic_block_store import Volume
from moto.efs.models import FileSystem
from moto.server import main as moto_main


def create_volume(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    properties = cloudformation_json["Properties"]
    backend = ec2_backends[account_id][region_name]
    volume = backend.create_volume(
        size=properties.get("Size"),
        zone_name=properties.get("AvailabilityZone"),
        snapshot_id=properties.get("SnapshotId"),
        volume_type=properties.get("VolumeType"),
    )
    tags = {tag["Key"]: tag["Value"] for tag in properties.get("Tags", [])}
    if tags:
        backend.create_tags([volume.id], tags)
    return volume


Volume.create_from_cloudformation_json = classmethod(create_volume)


def has_cfn_attr(cls, attr):
    return attr in ("Arn", "FileSystemId")


def get_cfn_attribute(self, attribute_name):
    if attribute_name == "Arn":
        return self.file_system_arn
    if attribute_name == "FileSystemId":
        return self.file_system_id
    raise NotImplementedError(attribute_name)


FileSystem.has_cfn_attr = classmethod(has_cfn_attr)
FileSystem.get_cfn_attribute = get_cfn_attribute

original_delete_resource = parsing.ResourceMap._delete_resource


def delete_resource(self, parsed_resource, resource_json):
    if resource_json.get("Type") == "AWS::EC2::Volume" and resource_json.get("DeletionPolicy") == "Snapshot":
        backend = ec2_backends[self._account_id][self._region_name]
        backend.create_snapshot(parsed_resource.id, f"final snapshot of {parsed_resource.id}")
        backend.delete_volume(parsed_resource.id)
        return
    original_delete_resource(self, parsed_resource, resource_json)


parsing.ResourceMap._delete_resource = delete_resource

if __name__ == "__main__":
    moto_main(["-H", "127.0.0.1", "-p", sys.argv[1]])
